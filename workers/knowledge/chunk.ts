import type { Block, ParsedDocument } from './parse'
import { blockText } from './parse/blocks'
import { CJK_RUN } from './text/script'
import { splitSentences } from './text/segment'

/** A retrievable passage of a document, before embedding. */
export interface Chunk {
  ordinal: number
  /** The headings above this passage, outermost first (the document title is not repeated). */
  headingPath: string[]
  page?: number
  text: string
}

export interface ChunkOptions {
  /** Size a chunk grows to before a new one starts (default 1000). */
  targetSize?: number
  /** Size no chunk exceeds unless one sentence, list item or table row is larger (default 1600). */
  maxSize?: number
}

/**
 * The size of a text in "Latin characters": a CJK character carries about as much as a short
 * English word, so it counts 2.5. A chunk of 1000 is ~170 English words or ~400 Chinese characters.
 */
export function textSize(text: string): number {
  let cjk = 0
  for (const m of text.matchAll(CJK_RUN)) cjk += m[0].length
  return text.length + cjk * 1.5
}

/**
 * Structure-aware chunking. A chunk never crosses a heading, so every chunk has one heading path;
 * within a section, blocks are packed up to the target size; a paragraph is only cut between
 * sentences (`.!?` and `。！？`), a list only between items, a table only between rows (its
 * header row repeated in each part). A small tail is folded into the chunk before it.
 */
export function chunkDocument(doc: ParsedDocument, options: ChunkOptions = {}): Chunk[] {
  const target = options.targetSize ?? 1000
  const max = options.maxSize ?? 1600
  const chunks: Chunk[] = []
  const headings: { level: number; text: string }[] = []
  let parts: string[] = []
  let size = 0
  let page: number | undefined
  const path = () => headings.map((h) => h.text)
  const flush = () => {
    if (parts.length === 0) return
    const text = parts.join('\n\n')
    const last = chunks.at(-1)
    const samePath = last && last.headingPath.join('\u0000') === path().join('\u0000')
    if (last && samePath && size < target * 0.2 && textSize(last.text) + size <= max) {
      last.text = `${last.text}\n\n${text}`
    } else {
      chunks.push({
        ordinal: chunks.length,
        headingPath: path(),
        ...(page !== undefined ? { page } : {}),
        text,
      })
    }
    parts = []
    size = 0
    page = undefined
  }
  const add = (text: string, blockPage: number | undefined) => {
    const s = textSize(text)
    if (parts.length > 0 && size + s > target) flush()
    if (parts.length === 0) page = blockPage
    parts.push(text)
    size += s + 2
  }

  const title = doc.title.trim().toLowerCase()
  for (const block of doc.blocks) {
    if (block.kind === 'heading') {
      flush()
      while (headings.length > 0 && (headings.at(-1)?.level ?? 0) >= block.level) headings.pop()
      // The title heading names the document, not a section.
      if (!(headings.length === 0 && block.text.trim().toLowerCase() === title)) {
        headings.push({ level: block.level, text: block.text })
      }
      continue
    }
    const whole = blockText(block)
    if (textSize(whole) <= max) {
      add(whole, block.page)
      continue
    }
    for (const unit of units(block, doc.language)) add(unit, block.page)
  }
  flush()
  return chunks
}

/** The pieces a block may be cut into when it does not fit in one chunk. */
function units(block: Exclude<Block, { kind: 'heading' }>, language: string): string[] {
  switch (block.kind) {
    case 'paragraph':
      return splitSentences(block.text, language).flatMap(hardSplit)
    case 'list':
      return block.items.flatMap((item) => (textSize(item) <= MAX_UNIT ? [item] : splitItem(item, language)))
    case 'table': {
      // Rows grouped so each part is a table of its own with the header on top.
      const groups: string[] = []
      let rows: string[] = []
      let size = textSize(block.header)
      for (const r of block.rows) {
        if (rows.length > 0 && size + textSize(r) > 900) {
          groups.push([block.header, ...rows].join('\n'))
          rows = []
          size = textSize(block.header)
        }
        rows.push(r)
        size += textSize(r) + 1
      }
      if (rows.length > 0) groups.push([block.header, ...rows].join('\n'))
      return groups
    }
    case 'code':
      return block.text.split(/\n{2,}/)
  }
}

/** Largest single unit (a list item) kept whole; a longer one is cut (see `splitItem`). */
const MAX_UNIT = 1600

/**
 * A list item too long for one chunk (a long nested list, a paragraph-sized item) is cut between
 * its nested items and then between sentences, into pieces of about a chunk's target size; every
 * piece after the first starts with the item's lead (its first line, shortened), so a passage
 * about "Berlin office: … 5 days" still says what it lists.
 */
function splitItem(item: string, language: string): string[] {
  const lines = item.split('\n')
  const lead = (lines[0] ?? '').trim()
  const shortLead = lead.length > 120 ? `${lead.slice(0, 117)}…` : lead
  const units = lines.flatMap((l) =>
    textSize(l) <= 900 ? [l] : splitSentences(l, language).flatMap(hardSplit),
  )
  const pieces: string[] = []
  let cur: string[] = []
  let size = 0
  for (const u of units) {
    if (cur.length > 0 && size + textSize(u) > 900) {
      pieces.push(cur.join('\n'))
      cur = [shortLead]
      size = textSize(shortLead)
    }
    cur.push(u)
    size += textSize(u) + 1
  }
  if (cur.length > 0) pieces.push(cur.join('\n'))
  return pieces
}

/** A single "sentence" longer than any chunk (no punctuation at all) is cut at word boundaries. */
function hardSplit(sentence: string): string[] {
  if (textSize(sentence) <= 1600) return [sentence]
  const out: string[] = []
  let cur = ''
  for (const word of sentence.split(/(?<=\s)/)) {
    if (textSize(cur + word) > 1000 && cur) {
      out.push(cur.trim())
      cur = ''
    }
    cur += word
  }
  if (cur.trim()) out.push(cur.trim())
  return out
}
