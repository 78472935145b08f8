import { z } from 'zod'

// Minimal schemas of the Notion block and rich-text fields we read
// (developers.notion.com/reference/block, /reference/rich-text, API versions 2022-06-28 and 2025-09-03, which
// left blocks unchanged).

/** One rich-text item: a text run, a mention or an inline equation. */
export const RichTextSchema = z.object({
  type: z.string(),
  plain_text: z.string(),
  href: z.string().nullish(),
  annotations: z
    .object({
      bold: z.boolean().optional(),
      italic: z.boolean().optional(),
      strikethrough: z.boolean().optional(),
      code: z.boolean().optional(),
    })
    .optional(),
  equation: z.object({ expression: z.string() }).optional(),
})

/** A rich-text item as Notion returns it, reduced to the fields we read. */
export type RichText = z.infer<typeof RichTextSchema>

/** A block as the children endpoint lists it; the fetcher fills `children` in for blocks with children. */
export const BlockSchema = z
  .object({ id: z.string(), type: z.string(), has_children: z.boolean().default(false) })
  .loose()

/** One block, its type-specific payload under `block[block.type]`, and its children once fetched. */
export type NotionBlock = z.infer<typeof BlockSchema> & { children?: NotionBlock[] }

// The union of the type-specific fields we read; every block type uses a subset.
const ContentSchema = z.object({
  rich_text: z.array(RichTextSchema).optional(),
  checked: z.boolean().optional(),
  language: z.string().optional(),
  caption: z.array(RichTextSchema).optional(),
  icon: z.object({ type: z.string(), emoji: z.string().optional() }).nullish(),
  url: z.string().optional(),
  expression: z.string().optional(),
  table_width: z.number().optional(),
  cells: z.array(z.array(RichTextSchema)).optional(),
})
type Content = z.infer<typeof ContentSchema>

/** Block types whose children are not part of this page's text (they are pages of their own). */
export const OWN_PAGE_TYPES: ReadonlySet<string> = new Set(['child_page', 'child_database'])

const NOTION_ORIGIN = 'https://www.notion.so'

/** The rich text as plain text, annotations dropped (titles, code blocks). */
export function plainText(items: readonly RichText[]): string {
  return items.map((t) => t.plain_text).join('')
}

/**
 * Rich text as inline Markdown: bold `**`, italic `_`, code `` ` ``, strikethrough `~~`, links
 * `[text](href)`, inline equations `$…$`. Neighbouring runs with the same styling are merged first,
 * because Notion splits runs freely and `**a****b**` is not bold in CommonMark; whitespace at a run's
 * edges is moved outside the markers for the same reason (`** a**` is not bold either).
 */
export function richTextToMarkdown(items: readonly RichText[]): string {
  const runs: RichText[] = []
  for (const item of items) {
    const last = runs.at(-1)
    if (last && item.type !== 'equation' && last.type !== 'equation' && styleKey(last) === styleKey(item)) {
      runs[runs.length - 1] = { ...last, plain_text: last.plain_text + item.plain_text }
    } else runs.push(item)
  }
  return runs.map(runToMarkdown).join('')
}

function styleKey(t: RichText): string {
  const a = t.annotations ?? {}
  return [a.bold, a.italic, a.strikethrough, a.code, t.href ?? ''].join('|')
}

function runToMarkdown(t: RichText): string {
  if (t.type === 'equation') return `$${t.equation?.expression ?? t.plain_text}$`
  const [, lead = '', core = '', trail = ''] = /^(\s*)([\s\S]*?)(\s*)$/.exec(t.plain_text) ?? []
  if (!core) return t.plain_text
  const a = t.annotations ?? {}
  let s = a.code ? inlineCode(core) : core
  if (a.strikethrough) s = `~~${s}~~`
  if (a.italic) s = `_${s}_`
  if (a.bold) s = `**${s}**`
  if (t.href) s = `[${s}](${linkTarget(t.href)})`
  return lead + s + trail
}

function inlineCode(s: string): string {
  const fence = '`'.repeat(longestRun(s, '`') + 1)
  return fence.length > 1 ? `${fence} ${s} ${fence}` : `\`${s}\``
}

// Links to other Notion pages come back relative (`/0f3e…`); spaces and parentheses would end the
// Markdown link target early.
function linkTarget(href: string): string {
  const absolute = href.startsWith('/') ? NOTION_ORIGIN + href : href
  return absolute.replace(/[ ()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function longestRun(s: string, ch: string): number {
  let best = 0
  let run = 0
  for (const c of s) {
    run = c === ch ? run + 1 : 0
    best = Math.max(best, run)
  }
  return best
}

/**
 * A page's blocks (children already attached) as Markdown. Lists nest by indentation, quotes and
 * callouts become blockquotes, tables become GFM tables (the first row is always the header: GFM has
 * no header-less table), toggles, synced blocks and columns flatten to their content in order.
 * Child pages and databases are skipped (they are items of their own); media keep only their caption.
 * An unknown block type with rich text renders as a paragraph, so new Notion types degrade to text.
 */
export function blocksToMarkdown(blocks: readonly NotionBlock[]): string {
  const md = renderBlocks(blocks)
  return md ? `${md}\n` : ''
}

type ListKind = 'bullet' | 'number'

function listKind(type: string): ListKind | undefined {
  if (type === 'bulleted_list_item' || type === 'to_do') return 'bullet'
  return type === 'numbered_list_item' ? 'number' : undefined
}

function renderBlocks(blocks: readonly NotionBlock[]): string {
  let out = ''
  let previous: ListKind | undefined
  let number = 0
  for (const block of blocks) {
    const kind = listKind(block.type)
    number = kind === 'number' ? (previous === 'number' ? number + 1 : 1) : 0
    const md = renderBlock(block, number)
    if (!md) continue
    // Items of one list sit on consecutive lines; anything else is its own paragraph.
    if (out) out += kind && kind === previous ? '\n' : '\n\n'
    out += md
    previous = kind
  }
  return out
}

function renderBlock(block: NotionBlock, number: number): string {
  const c = content(block)
  const text = richTextToMarkdown(c.rich_text ?? [])
  const children = block.children ?? []
  switch (block.type) {
    case 'heading_1':
    case 'heading_2':
    case 'heading_3': {
      const level = Number(block.type.slice(-1))
      return paragraphs(text && `${'#'.repeat(level)} ${text}`, renderBlocks(children))
    }
    case 'bulleted_list_item':
      return listItem('- ', text, children)
    case 'numbered_list_item':
      return listItem(`${number}. `, text, children)
    case 'to_do':
      return listItem('- ', `${c.checked ? '[x]' : '[ ]'} ${text}`, children)
    case 'quote':
      return blockquote(paragraphs(text, renderBlocks(children)))
    case 'callout': {
      const icon = c.icon?.type === 'emoji' ? c.icon.emoji : undefined
      return blockquote(paragraphs([icon, text].filter(Boolean).join(' '), renderBlocks(children)))
    }
    case 'code':
      return codeBlock(plainText(c.rich_text ?? []), c.language)
    case 'divider':
      return '---'
    case 'equation':
      return c.expression ? `$$\n${c.expression}\n$$` : ''
    case 'table':
      return table(children, c.table_width)
    case 'bookmark':
    case 'link_preview':
    case 'embed':
      return link(c)
    case 'image':
    case 'file':
    case 'pdf':
    case 'video':
    case 'audio':
      return richTextToMarkdown(c.caption ?? [])
    case 'synced_block':
    case 'column_list':
    case 'column':
      return renderBlocks(children)
    case 'child_page':
    case 'child_database':
    case 'table_row': // only meaningful inside its table
    case 'table_of_contents':
    case 'breadcrumb':
    case 'link_to_page':
    case 'template':
    case 'unsupported':
      return ''
    default:
      // paragraph, toggle, and types newer than this code: the text, then the children.
      return paragraphs(text, renderBlocks(children))
  }
}

function content(block: NotionBlock): Content {
  const parsed = ContentSchema.safeParse(block[block.type])
  return parsed.success ? parsed.data : {}
}

function paragraphs(...parts: string[]): string {
  return parts.filter(Boolean).join('\n\n')
}

function listItem(marker: string, text: string, children: readonly NotionBlock[]): string {
  const body = renderBlocks(children)
  if (!text.trim() && !body) return ''
  const head = `${marker}${text}`.trimEnd()
  // Children indent to the item's content column, so nested lists and code stay inside the item.
  return body ? `${head}\n${indent(body, ' '.repeat(marker.length))}` : head
}

function indent(md: string, pad: string): string {
  return md
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n')
}

function blockquote(md: string): string {
  if (!md) return ''
  return md
    .split('\n')
    .map((line) => (line ? `> ${line}` : '>'))
    .join('\n')
}

function codeBlock(code: string, language: string | undefined): string {
  const fence = '`'.repeat(Math.max(3, longestRun(code, '`') + 1))
  // Notion names languages for people ("plain text", "c++", "visual basic"); an info string is one word.
  const info = !language || language === 'plain text' ? '' : language.replace(/\s+/g, '-')
  return `${fence}${info}\n${code}\n${fence}`
}

function table(children: readonly NotionBlock[], tableWidth: number | undefined): string {
  const rows = children
    .filter((row) => row.type === 'table_row')
    .map((row) => (content(row).cells ?? []).map(cell))
  if (rows.length === 0) return ''
  const width = Math.max(tableWidth ?? 0, ...rows.map((r) => r.length))
  const line = (cells: string[]) =>
    `| ${Array.from({ length: width }, (_, i) => cells[i] ?? '').join(' | ')} |`
  const [header = [], ...body] = rows
  return [line(header), line(Array(width).fill('---')), ...body.map(line)].join('\n')
}

function cell(items: RichText[]): string {
  return richTextToMarkdown(items)
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
}

function link(c: Content): string {
  if (!c.url) return ''
  const caption = richTextToMarkdown(c.caption ?? [])
  return caption ? `[${caption}](${linkTarget(c.url)})` : c.url
}
