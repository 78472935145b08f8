import { unwrapLines } from '../text/unwrap'
import { blocksLanguage, firstHeading } from './blocks'
import type { Block, ParsedDocument } from './types'

const BULLET = /^\s*([-*•·]|\d{1,2}[.)])\s+/
const UNDERLINE = /^\s*(=+|-+)\s*$/

/**
 * Plain text: paragraphs split on blank lines and unwrapped; headings recognised where a plain
 * text writer marks them (underlined with `===`/`---`, ALL CAPS, or a short numbered title line
 * standing alone); bulleted and numbered lines become list items.
 */
export function parseText(source: string, fallbackTitle: string): ParsedDocument {
  const blocks: Block[] = []
  const paragraphs = source
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
  for (const raw of paragraphs) {
    const lines = raw.split('\n').filter((l) => l.trim())
    if (lines.length === 0) continue
    const [first = '', second] = lines
    if (lines.length === 2 && second && UNDERLINE.test(second)) {
      blocks.push({ kind: 'heading', level: second.trim().startsWith('=') ? 1 : 2, text: first.trim() })
      continue
    }
    if (lines.length === 1 && looksLikeHeading(first)) {
      blocks.push({ kind: 'heading', level: /^[A-Z0-9\s\W]+$/.test(first) ? 1 : 2, text: first.trim() })
      continue
    }
    if (lines.every((l, i) => BULLET.test(l) || (i > 0 && /^\s{2,}/.test(l)))) {
      const items: string[] = []
      for (const l of lines) {
        if (BULLET.test(l)) items.push(l.trim().replace(/^[*•·]\s+/, '- '))
        else items[items.length - 1] += ` ${l.trim()}`
      }
      blocks.push({ kind: 'list', items })
      continue
    }
    blocks.push({ kind: 'paragraph', text: unwrapLines(lines.join('\n')) })
  }
  return {
    title: firstHeading(blocks) ?? fallbackTitle,
    format: 'text',
    blocks,
    language: blocksLanguage(blocks),
    metadata: {},
  }
}

function looksLikeHeading(line: string): boolean {
  const t = line.trim()
  if (t.length > 80 || /[.,;:!?。，；：！？]$/.test(t) || !/\p{L}/u.test(t)) return false
  const capsOrNumbered = /^[A-Z0-9][A-Z0-9\s&/,'()-]+$/.test(t) || /^(\d+(\.\d+)*\.?|[IVX]+\.)\s+\S/.test(t)
  const titleCase = t
    .split(/\s+/)
    .every((w) => /^[A-Z0-9(]/.test(w) || /^(and|of|the|for|to|in|on|a|an|or)$/.test(w))
  return capsOrNumbered || (titleCase && t.split(/\s+/).length <= 8)
}
