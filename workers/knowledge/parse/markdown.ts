import { Lexer, type Token, type Tokens } from 'marked'
import { parse as parseYaml } from 'yaml'
import { safeLink } from '../../../bots/links'
import { PolicybotError } from '../../errors'
import { unwrapLines } from '../text/unwrap'
import { blocksLanguage, blockText, firstHeading } from './blocks'
import { htmlToMarkdown } from './html-to-markdown'
import type { Block, ParsedDocument } from './types'

/**
 * Markdown as found in real handbooks: YAML front matter, Liquid/Jekyll/Hugo template tags,
 * raw HTML fragments (tables included), hard-wrapped lines and headings written without a space
 * after `#`. Everything becomes plain-text blocks with the heading structure kept.
 */
export function parseMarkdown(source: string, fallbackTitle: string, name = fallbackTitle): ParsedDocument {
  const { body, frontMatter } = splitFrontMatter(source.replace(/^\uFEFF/, ''), name)
  const cleaned = fixHeadings(stripTemplateTags(body, frontMatter))
  const blocks = markdownToBlocks(cleaned)
  const meta = documentMeta(frontMatter, name)
  const title = meta.title ?? firstHeading(blocks, 1) ?? fallbackTitle
  return {
    title,
    format: 'markdown',
    blocks,
    language: meta.language ?? blocksLanguage(blocks),
    ...(meta.url ? { url: meta.url } : {}),
    ...(meta.updatedAt ? { updatedAt: meta.updatedAt } : {}),
    ...(meta.audience ? { audience: meta.audience } : {}),
    metadata: frontMatter,
  }
}

/** The Markdown → blocks step alone, for HTML and DOCX converted to Markdown first. */
export function markdownToBlocks(markdown: string, depth = 0): Block[] {
  const blocks: Block[] = []
  for (const token of new Lexer({ gfm: true }).lex(markdown)) collect(token, blocks, depth)
  return blocks
}

function collect(token: Token, out: Block[], depth: number): void {
  switch (token.type) {
    case 'heading': {
      const t = token as Tokens.Heading
      const text = unwrapLines(inlineText(t.tokens))
      if (text) out.push({ kind: 'heading', level: t.depth, text })
      return
    }
    case 'paragraph':
    case 'text': {
      const t = token as Tokens.Paragraph | Tokens.Text
      const text = unwrapLines(t.tokens ? inlineText(t.tokens) : t.text)
      if (text) out.push({ kind: 'paragraph', text })
      return
    }
    case 'list': {
      const items = listItems(token as Tokens.List, '')
      if (items.length > 0) out.push({ kind: 'list', items })
      return
    }
    case 'table': {
      const t = token as Tokens.Table
      const header = row(t.header.map((c) => inlineText(c.tokens)))
      const rows = t.rows.map((r) => row(r.map((c) => inlineText(c.tokens))))
      out.push({ kind: 'table', header, rows })
      return
    }
    case 'code': {
      const text = (token as Tokens.Code).text.trim()
      if (text) out.push({ kind: 'code', text })
      return
    }
    case 'blockquote':
      for (const inner of (token as Tokens.Blockquote).tokens) collect(inner, out, depth)
      return
    case 'html': {
      const html = (token as Tokens.HTML).text
      // Converted HTML can still contain HTML (what turndown keeps); one level of recursion only.
      if (depth === 0) for (const b of markdownToBlocks(htmlToMarkdown(html), depth + 1)) out.push(b)
      else {
        const text = unwrapLines(stripTags(html))
        if (text) out.push({ kind: 'paragraph', text })
      }
      return
    }
    default:
      return // space, hr, def: no text
  }
}

function listItems(list: Tokens.List, indent: string): string[] {
  const items: string[] = []
  let n = typeof list.start === 'number' ? list.start : 1
  for (const item of list.items) {
    const marker = list.ordered ? `${n++}. ` : '- '
    const own: string[] = []
    const nested: string[] = []
    for (const t of item.tokens) {
      if (t.type === 'list') nested.push(...listItems(t as Tokens.List, `${indent}  `))
      else if (t.type === 'text' || t.type === 'paragraph') {
        const tt = t as Tokens.Text
        own.push(unwrapLines(tt.tokens ? inlineText(tt.tokens) : tt.text))
      } else if (t.type !== 'space') {
        const sub: Block[] = []
        collect(t, sub, 1)
        own.push(...sub.map(blockText))
      }
    }
    const check = item.task ? (item.checked ? '[x] ' : '[ ] ') : ''
    const text = own.filter(Boolean).join(' ')
    // Nested items stay inside their parent: a list item is never cut.
    items.push([`${indent}${marker}${check}${text}`, ...nested].join('\n'))
  }
  return items
}

function row(cells: string[]): string {
  return `| ${cells.map((c) => unwrapLines(c).replace(/\|/g, '\\|')).join(' | ')} |`
}

/** Plain text of inline tokens: emphasis and links reduced to their words. */
export function inlineText(tokens: Token[] | undefined): string {
  if (!tokens) return ''
  let s = ''
  for (const t of tokens) {
    switch (t.type) {
      case 'text':
      case 'escape': {
        const tt = t as Tokens.Text
        s += tt.tokens ? inlineText(tt.tokens) : decodeEntities(tt.text)
        break
      }
      case 'codespan':
        s += decodeEntities((t as Tokens.Codespan).text)
        break
      case 'br':
        s += '\n'
        break
      case 'image':
        s += (t as Tokens.Image).text
        break
      case 'html':
        s += /^<br\s*\/?>$/i.test((t as Tokens.HTML).text.trim()) ? '\n' : ''
        break
      default: {
        const nested = (t as { tokens?: Token[] }).tokens
        s += nested ? inlineText(nested) : ((t as { text?: string }).text ?? '')
      }
    }
  }
  return s
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code =
        e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10)
      return Number.isFinite(code) ? String.fromCodePoint(code) : m
    }
    return ENTITIES[e.toLowerCase()] ?? m
  })
}

function stripTags(html: string): string {
  return decodeEntities(html.replace(/<!--[\s\S]*?-->/g, '').replace(/<[^>]+>/g, ' '))
}

const FRONT_MATTER = /^(?:---|\+\+\+)[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\+\+\+|\.\.\.)[ \t]*(?:\r?\n|$)/

/**
 * A page's front matter (YAML, or TOML for Hugo) and its body; `name` names the file in errors.
 * Front matter that cannot be read, where it names the page's audience, is an error: dropping it
 * would make a restricted page public. Other unreadable front matter (seen in real handbooks: a
 * quoted description running onto an unindented line) is dropped and the page kept, as before.
 * The wiki sync's git connector reads pages with the same rules.
 */
export function splitFrontMatter(
  source: string,
  name: string,
): { body: string; frontMatter: Record<string, unknown> } {
  const m = FRONT_MATTER.exec(source)
  if (!m) return { body: source, frontMatter: {} }
  const body = source.slice(m[0].length)
  const text = m[1] ?? ''
  const namesAudience = AUDIENCE_KEY.test(text)
  let parsed: unknown
  try {
    parsed = source.startsWith('+++') ? parseToml(text) : parseYaml(text)
  } catch (e) {
    if (!namesAudience) return { body, frontMatter: {} }
    const why = ((e as Error).message.split('\n')[0] ?? '').slice(0, 200)
    throw new PolicybotError(
      'FILE_FRONT_MATTER',
      `${name}: its front matter, which says who may read it, is not valid YAML (${why}); nothing was stored until it is fixed.`,
    )
  }
  if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
    if (!namesAudience) return { body, frontMatter: {} }
    throw new PolicybotError(
      'FILE_FRONT_MATTER',
      `${name}: its front matter, which says who may read it, is not a list of "key: value" lines; nothing was stored until it is fixed.`,
    )
  }
  return { body, frontMatter: (parsed ?? {}) as Record<string, unknown> }
}

/**
 * Who may read a page, from its front matter (`audience`, `audiences` or `visibility`: a list, or
 * names separated by commas), in lower case; undefined for everyone (no key, or "everyone").
 * A key whose value is empty or not a list of names is an error: such a page is not published to
 * everyone.
 */
export function frontMatterAudience(fm: Record<string, unknown>, name: string): string[] | undefined {
  const key = AUDIENCE_KEYS.find((k) => k in fm)
  if (!key) return undefined
  const aud = fm[key]
  const names =
    typeof aud === 'string'
      ? aud.split(',')
      : Array.isArray(aud) && aud.every((a) => typeof a === 'string' || typeof a === 'number')
        ? aud.map(String)
        : undefined
  const audience = names?.map((s) => s.trim().toLowerCase()).filter(Boolean)
  if (!audience?.length)
    throw new PolicybotError(
      'FILE_FRONT_MATTER',
      `${name}: its front matter's ${key} is empty or not a list of names; name the audiences (or write "everyone"): nothing was stored until it is fixed.`,
    )
  return audience.some((a) => a === 'all' || a === 'everyone' || a === 'public') ? undefined : audience
}

const AUDIENCE_KEYS = ['audience', 'audiences', 'visibility']
/** A front-matter line that sets the audience, however the rest of it is written. */
const AUDIENCE_KEY = /^\s*["']?(audience|audiences|visibility)["']?\s*[:=]/im

/** `key = "value"` lines of TOML front matter (Hugo); enough for title, dates and flags. */
function parseToml(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][\w-]*)\s*=\s*(.+?)\s*$/.exec(line)
    if (m?.[1] && m[2]) out[m[1]] = m[2].replace(/^["']|["']$/g, '')
  }
  return out
}

function stripTemplateTags(body: string, frontMatter: Record<string, unknown>): string {
  return (
    body
      .replace(/\{%-?\s*comment\s*-?%\}[\s\S]*?\{%-?\s*endcomment\s*-?%\}/g, '')
      .replace(/\{%-?[\s\S]*?-?%\}/g, '')
      .replace(/\{\{[<%][\s\S]*?[>%]\}\}/g, '')
      // `{{ page.title }}` resolves from front matter when it can; other variables vanish.
      .replace(/\{\{-?\s*(?:page\.|site\.)?([\w.]+)[^}]*-?\}\}/g, (_m, name: string) => {
        const v = frontMatter[name]
        return typeof v === 'string' || typeof v === 'number' ? String(v) : ''
      })
      .replace(/\{::[^}]*\/?\}/g, '')
      .replace(/^\s*\{:[^}]*\}\s*$/gm, '')
      .replace(/\{:[^}]*\}/g, '')
  )
}

/** `#Heading` → `# Heading`, outside fenced code only. */
function fixHeadings(body: string): string {
  let inFence = false
  return body
    .split('\n')
    .map((line) => {
      if (/^\s{0,3}(```|~~~)/.test(line)) inFence = !inFence
      if (inFence) return line
      return line.replace(/^(#{1,6})(?=[^\s#!])/, '$1 ')
    })
    .join('\n')
}

interface DocMeta {
  title?: string
  url?: string
  updatedAt?: Date
  audience?: string[]
  language?: string
}

function documentMeta(fm: Record<string, unknown>, name: string): DocMeta {
  const str = (k: string) =>
    typeof fm[k] === 'string' && (fm[k] as string).trim() ? (fm[k] as string).trim() : undefined
  const meta: DocMeta = {}
  const title = str('title')
  if (title) meta.title = title
  // Whoever wrote the document wrote its link: one that may not be shown as a link (a
  // `javascript:` or `data:` URL, a relative path) is not kept as the document's address.
  const url = safeLink(str('url') ?? str('canonical_url') ?? str('source_url') ?? str('permalink'))
  if (url) meta.url = url
  for (const k of ['updated', 'last_updated', 'lastmod', 'modified', 'updated_at', 'date']) {
    const v = fm[k]
    const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : undefined
    if (d && !Number.isNaN(d.getTime())) {
      meta.updatedAt = d
      break
    }
  }
  const audience = frontMatterAudience(fm, name)
  if (audience) meta.audience = audience
  const lang = str('lang') ?? str('language')
  if (lang) meta.language = lang.slice(0, 2).toLowerCase()
  return meta
}
