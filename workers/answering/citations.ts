import { safeLink } from '../../bots/links'
import type { Passage } from '../knowledge/search/types'
import type { Citation } from './types'

/**
 * The citation for the passage numbered `n` in a prompt or an extractive answer. Its `url` is one
 * that may be shown as a link, or null (documents stored before links were checked at ingest may
 * carry others; every sink checks again when it renders).
 */
export function citationOf(n: number, p: Passage): Citation {
  return {
    n,
    documentId: p.documentId,
    title: p.title,
    sourcePath: p.sourcePath,
    headingPath: p.headingPath,
    url: safeLink(p.url) ?? null,
    page: p.page,
    updated: p.updatedAt.toISOString().slice(0, 10),
  }
}

/** `Title › Section › Subsection (p. 3, updated 2026-03-14)`: how a source is shown to people. */
export function citationLabel(c: Citation): string {
  const where = [c.title, ...c.headingPath].join(' › ')
  const page = c.page !== null ? `p. ${c.page}, ` : ''
  return `${where} (${page}updated ${c.updated})`
}

/**
 * Keeps only `[n]` markers that point at a source that was given (1..count); a marker the model
 * invented is removed from the text. Returns the cleaned text and the numbers actually cited.
 */
export function checkCitations(
  text: string,
  count: number,
): { text: string; cited: number[]; invalid: number[] } {
  const cited = new Set<number>()
  const invalid = new Set<number>()
  const cleaned = text.replace(/\[(\d+(?:\s*[,،、]\s*\d+)*)\]/g, (_m, list: string) => {
    const ok: number[] = []
    for (const part of list.split(/[,،、]/)) {
      const n = Number.parseInt(part.trim(), 10)
      if (n >= 1 && n <= count) {
        ok.push(n)
        cited.add(n)
      } else invalid.add(n)
    }
    return ok.map((n) => `[${n}]`).join('')
  })
  return {
    text: cleaned.replace(/[ \t]+([.,;:!?。，；：！？])/g, '$1').trim(),
    cited: [...cited].sort((a, b) => a - b),
    invalid: [...invalid],
  }
}
