import { sql } from 'drizzle-orm'
import type { Citation } from '../answering/types'
import { type Db, queryRows } from '../db/client'
import { toTextArray } from '../knowledge/search/plan'
import { analyze } from '../knowledge/text/analyze'

/** Share of an edited answer's words a source must state to support it. */
const SUPPORT = 0.3
/** …and at least this many of them. */
const MIN_SHARED = 2

/**
 * The sources of an answer an admin rewrote. The draft's citations only stand where they still
 * support the new text: when the admin wrote `[n]` markers, exactly the drafts' sources they
 * name (renumbered in the order cited); otherwise each source whose passage states at least 30%
 * of the edited answer's words (at least two), best first. An answer the admin wrote from their
 * own knowledge carries no source rather than irrelevant ones: the asker, every reuse and the
 * exported training data would otherwise cite passages that do not say it.
 */
export async function citationsForEdit(
  db: Db,
  text: string,
  draftCitations: readonly Citation[],
): Promise<{ text: string; citations: Citation[] }> {
  const byNumber = new Map(draftCitations.map((c) => [c.n, c]))
  const marked = [...text.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).filter((n) => byNumber.has(n))
  if (marked.length > 0) {
    const order = [...new Set(marked)]
    return {
      text: renumberMarkers(text, order),
      citations: order.map((n, i) => ({ ...(byNumber.get(n) as Citation), n: i + 1 })),
    }
  }
  const words = new Set(analyze(text).map((t) => t.stem))
  if (words.size === 0 || draftCitations.length === 0) return { text, citations: [] }
  const supported: { c: Citation; share: number }[] = []
  for (const c of draftCitations) {
    const passage = await passageText(db, c)
    const stems = new Set(analyze(`${c.headingPath.join(' ')} ${passage}`).map((t) => t.stem))
    const shared = [...words].filter((w) => stems.has(w)).length
    const share = shared / words.size
    if (shared >= MIN_SHARED && share >= SUPPORT) supported.push({ c, share })
  }
  supported.sort((a, b) => b.share - a.share)
  return { text, citations: supported.map(({ c }, i) => ({ ...c, n: i + 1 })) }
}

/** The text of the cited section of a document version (its chunks under that heading path). */
export async function passageText(db: Db, c: Citation): Promise<string> {
  const rows = await queryRows<{ text: string }>(
    db,
    sql`SELECT text FROM chunks WHERE document_id = ${c.documentId} AND heading_path = ${toTextArray(c.headingPath)}::text[]
        ORDER BY ordinal`,
    'read cited passage',
  )
  return rows.map((r) => r.text).join('\n')
}

/**
 * The sources an admin picked for an approved answer (by the draft's numbers), renumbered 1..k in
 * the draft's order; `[n]` markers in the text follow, and a marker of a source left out goes.
 */
export function chosenCitations(
  text: string,
  draftCitations: readonly Citation[],
  chosen: readonly number[],
): { text: string; citations: Citation[] } {
  const keep = draftCitations.filter((c) => chosen.includes(c.n))
  return {
    text: renumberMarkers(
      text,
      keep.map((c) => c.n),
    ).trim(),
    citations: keep.map((c, i) => ({ ...c, n: i + 1 })),
  }
}

/** A cited source as the console opens it when it has no link: its place and the stored text. */
export async function citedSection(db: Db, c: Citation) {
  return {
    title: c.title,
    headingPath: c.headingPath,
    page: c.page,
    updated: c.updated,
    text: await passageText(db, c),
  }
}

/** `[n]` markers for the sources in `order` become 1..k in that order; any other marker goes. */
function renumberMarkers(text: string, order: readonly number[]): string {
  const renumber = new Map(order.map((n, i) => [n, i + 1]))
  return text.replace(/\s?\[(\d+)\]/g, (m, n: string) => {
    const to = renumber.get(Number(n))
    return to === undefined ? '' : m.replace(n, String(to))
  })
}
