import { getDocumentProxy } from 'unpdf'
import { PolicybotError } from '../../errors'
import { unwrapLines } from '../text/unwrap'
import { blocksLanguage, firstHeading } from './blocks'
import type { Block, ParsedDocument } from './types'

/** One positioned line of text on a page. */
interface Line {
  text: string
  page: number
  y: number
  x: number
  /** Height on the page, 0 (bottom) to 1 (top): running headers and footers live at the edges. */
  rel: number
  size: number
  font: string
  /** Cells when the line's items sit in separated columns (a table row). */
  cells: string[]
}

interface TextItem {
  str: string
  transform: number[]
  width: number
  hasEOL: boolean
  fontName: string
}

/**
 * A PDF's text layer (pdf.js through unpdf), rebuilt into headings (larger or distinct-font short
 * lines), paragraphs (joined across hard line breaks and hyphenation), list items and table rows
 * (items in separated columns). Every block keeps its page number for citations; running headers,
 * footers and page numbers are dropped.
 */
export async function parsePdf(bytes: Uint8Array, fileName: string): Promise<ParsedDocument> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, verbosity: 0 })
  } catch (e) {
    throw pdfError(e, fileName)
  }
  try {
    const lines: Line[] = []
    for (let p = 1; p <= pdf.numPages; p++) {
      const page = await pdf.getPage(p)
      const content = await page.getTextContent()
      const height = page.view[3] ?? 842
      lines.push(...pageLines(content.items as TextItem[], p, height))
      page.cleanup()
    }
    if (lines.every((l) => !l.text.trim())) {
      throw new PolicybotError(
        'FILE_NO_TEXT',
        `${fileName}: the PDF has no text layer (a scan?); run OCR on it and ingest the result.`,
      )
    }
    const meta = await pdf.getMetadata().catch(() => undefined)
    const info = (meta?.info ?? {}) as Record<string, unknown>
    const blocks = linesToBlocks(dropRunningLines(lines, pdf.numPages))
    const infoTitle = typeof info.Title === 'string' && info.Title.trim() ? info.Title.trim() : undefined
    const modified = typeof info.ModDate === 'string' ? pdfDate(info.ModDate) : undefined
    return {
      title: infoTitle ?? firstHeading(blocks) ?? fileName,
      format: 'pdf',
      blocks,
      language: blocksLanguage(blocks),
      pageCount: pdf.numPages,
      ...(modified ? { updatedAt: modified } : {}),
      metadata: {},
    }
  } catch (e) {
    throw e instanceof PolicybotError ? e : pdfError(e, fileName)
  } finally {
    await pdf.destroy()
  }
}

function pdfError(e: unknown, fileName: string): PolicybotError {
  const name = (e as { name?: string }).name ?? ''
  if (name === 'PasswordException') {
    return new PolicybotError(
      'FILE_ENCRYPTED',
      `${fileName}: the PDF is password-protected; save an unprotected copy and ingest that.`,
      { cause: e },
    )
  }
  const detail = e instanceof Error ? e.message : String(e)
  return new PolicybotError('FILE_CORRUPT', `${fileName}: not a readable PDF (${detail}).`, { cause: e })
}

function pageLines(items: TextItem[], page: number, height: number): Line[] {
  const lines: Line[] = []
  let cur:
    | { parts: { x: number; end: number; str: string; size: number; font: string }[]; y: number }
    | undefined
  const flush = () => {
    if (!cur) return
    const parts = cur.parts.sort((a, b) => a.x - b.x)
    const size = Math.max(...parts.map((p) => p.size))
    const cells: string[] = []
    let text = ''
    let prevEnd = Number.NEGATIVE_INFINITY
    let cell = ''
    for (const p of parts) {
      const gap = p.x - prevEnd
      if (gap > size * 2 && cell.trim()) {
        cells.push(cell.trim())
        cell = ''
      }
      const sep = gap > size * 0.15 && text && !text.endsWith(' ') && !p.str.startsWith(' ') ? ' ' : ''
      text += sep + p.str
      cell += sep + p.str
      prevEnd = p.end
    }
    if (cell.trim()) cells.push(cell.trim())
    const fonts = new Map<string, number>()
    for (const p of parts) fonts.set(p.font, (fonts.get(p.font) ?? 0) + p.str.length)
    const font = [...fonts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? ''
    if (text.trim()) {
      const rel = height > 0 ? cur.y / height : 0.5
      lines.push({
        text: text.replace(/\s+/g, ' ').trim(),
        page,
        y: cur.y,
        x: parts[0]?.x ?? 0,
        rel,
        size,
        font,
        cells,
      })
    }
    cur = undefined
  }
  for (const item of items) {
    const [, , c = 0, d = 0, x = 0, y = 0] = item.transform
    const size = Math.hypot(c, d) || 10
    if (cur && Math.abs(cur.y - y) > size * 0.5) flush()
    // pdf.js fills column gaps with whitespace items; the gap itself is what marks a table cell.
    if (item.str.trim()) {
      cur ??= { parts: [], y }
      cur.parts.push({ x, end: x + item.width, str: item.str, size, font: item.fontName })
    }
    if (item.hasEOL) flush()
  }
  flush()
  return lines
}

const PAGE_NUMBER = /^(?:page\s*)?[-–]?\s*\d{1,4}\s*[-–]?(?:\s*(?:of|\/)\s*\d{1,4})?$/i

/** Top and bottom share of a page where running headers and footers sit. */
const MARGIN = 0.08

/**
 * Drops running headers and footers: in the page margins, page numbers ("Page 3 of 12", "- 3 -")
 * and lines repeated on at least half the pages (digits ignored, so "Page 1"/"Page 2" match).
 */
function dropRunningLines(lines: Line[], pages: number): Line[] {
  const key = (t: string) => t.toLowerCase().replace(/\d+/g, '#')
  const inMargin = (l: Line) => l.rel < MARGIN || l.rel > 1 - MARGIN
  const pagesWith = new Map<string, Set<number>>()
  for (const l of lines.filter(inMargin)) {
    for (const c of [l.text, ...l.cells]) {
      const s = pagesWith.get(key(c)) ?? new Set<number>()
      pagesWith.set(key(c), s)
      s.add(l.page)
    }
  }
  const running = (t: string) =>
    PAGE_NUMBER.test(t) || (pages >= 2 && (pagesWith.get(key(t))?.size ?? 0) >= Math.max(2, pages * 0.5))
  const out: Line[] = []
  for (const l of lines) {
    if (!inMargin(l)) out.push(l)
    else if (!running(l.text)) {
      const cells = l.cells.filter((c) => !running(c))
      if (cells.length > 0) out.push({ ...l, cells, text: cells.join(' ') })
    }
  }
  return out
}

const LIST_MARKER = /^([•·◦▪‣●○■□–\-*]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+/

function linesToBlocks(lines: Line[]): Block[] {
  if (lines.length === 0) return []
  // Body text: the font size and font carrying the most characters.
  const bySize = new Map<number, number>()
  const byFont = new Map<string, number>()
  for (const l of lines) {
    const s = Math.round(l.size * 2) / 2
    bySize.set(s, (bySize.get(s) ?? 0) + l.text.length)
    byFont.set(l.font, (byFont.get(l.font) ?? 0) + l.text.length)
  }
  const bodySize = [...bySize.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 10
  const bodyFont = [...byFont.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? ''
  const headingSizes = [...bySize.keys()].filter((s) => s >= bodySize * 1.12).sort((a, b) => b - a)
  const levelOf = (l: Line): number | undefined => {
    const short = l.text.length <= 100 && !/[.:;,]$/.test(l.text) && /\p{L}/u.test(l.text)
    if (!short || l.cells.length > 1) return undefined
    const s = Math.round(l.size * 2) / 2
    const i = headingSizes.indexOf(s)
    if (i >= 0) return Math.min(i + 1, 6)
    if (s >= bodySize && l.font !== bodyFont && l.text.length <= 80 && !LIST_MARKER.test(l.text)) {
      return Math.min(headingSizes.length + 1, 6) // bold-ish run-in heading at body size
    }
    return undefined
  }

  const blocks: Block[] = []
  let para: { lines: string[]; page: number } | undefined
  let list: { items: string[]; page: number; x: number } | undefined
  let table: { rows: string[][]; page: number } | undefined
  const flush = () => {
    if (para) blocks.push({ kind: 'paragraph', text: unwrapLines(para.lines.join('\n')), page: para.page })
    if (list) blocks.push({ kind: 'list', items: list.items.map((i) => unwrapLines(i)), page: list.page })
    if (table) {
      const width = Math.max(...table.rows.map((r) => r.length))
      const md = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] ?? '').join(' | ')} |`
      const [head, ...rows] = table.rows
      blocks.push({ kind: 'table', header: md(head ?? []), rows: rows.map(md), page: table.page })
    }
    para = undefined
    list = undefined
    table = undefined
  }
  let prev: Line | undefined
  for (const line of lines) {
    const gap = prev && prev.page === line.page ? prev.y - line.y : Number.POSITIVE_INFINITY
    const newBlock = gap > line.size * 1.75 || gap < 0
    const level = levelOf(line)
    if (level !== undefined) {
      flush()
      const last = blocks.at(-1)
      // A heading wrapped over two lines arrives as two heading lines of the same level.
      if (last?.kind === 'heading' && last.level === level && !newBlock && prev && levelOf(prev) === level) {
        last.text = `${last.text} ${line.text}`
      } else blocks.push({ kind: 'heading', level, text: line.text, page: line.page })
    } else if (line.cells.length > 1 && (table || !para || newBlock)) {
      if (!table) {
        flush()
        table = { rows: [], page: line.page }
      }
      table.rows.push(line.cells)
    } else if (LIST_MARKER.test(line.text)) {
      if (!list || newBlock) {
        flush()
        list = { items: [], page: line.page, x: line.x }
      }
      list.items.push(line.text.replace(/^[•·◦▪‣●○■□]\s+/, '- '))
    } else if (list && !newBlock && line.x > list.x) {
      list.items[list.items.length - 1] += `\n${line.text}`
    } else {
      if (!para || newBlock || table || list) {
        flush()
        para = { lines: [], page: line.page }
      }
      para.lines.push(line.text)
    }
    prev = line
  }
  flush()
  return blocks
}

/** `D:20240131120000Z` / `D:20240131120000+01'00'` → Date. */
function pdfDate(s: string): Date | undefined {
  const m = /D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?/.exec(s)
  if (!m) return undefined
  const d = new Date(
    Date.UTC(
      Number(m[1]),
      Number(m[2] ?? 1) - 1,
      Number(m[3] ?? 1),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
    ),
  )
  return Number.isNaN(d.getTime()) ? undefined : d
}
