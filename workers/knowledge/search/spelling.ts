import { sql } from 'drizzle-orm'
import stem from 'wink-porter2-stemmer'
import { type Db, queryRows } from '../../db/client'
import type { Term } from '../text/analyze'
import type { Lexicon } from '../text/lexicon'
import { documentFrequencies, toTextArray } from './plan'

/** A correction: the indexed lexeme a question token stands for, with its chunk frequency. */
export interface Correction {
  term: string
  df: number
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz'

/** Every string one edit away (delete, swap, replace, insert), Norvig's `edits1`. */
export function edits1(word: string): Set<string> {
  const out = new Set<string>()
  for (let i = 0; i <= word.length; i++) {
    const a = word.slice(0, i)
    const b = word.slice(i)
    if (b) out.add(a + b.slice(1))
    if (b.length > 1) out.add(a + b[1] + b[0] + b.slice(2))
    for (const c of LETTERS) {
      if (b) out.add(a + c + b.slice(1))
      out.add(a + c + b)
    }
  }
  out.delete(word)
  return out
}

/**
 * Corrects the question tokens the index does not know, when they are typos. A token that is a
 * word of the language is left alone ("took", "summer", "berlin": the handbook just does not use
 * them), unless it is a rare word one edit from a handbook word ("calender"). Otherwise the
 * candidates are the English words one edit away (two for a long token) whose stem the index
 * holds; the winner keeps the first letter (typos rarely change it), then the fewest edits, then
 * the commonest term. A token no English word explains (jargon, names) falls back to the closest
 * indexed lexeme by edit distance over trigram candidates.
 */
export async function correctSpelling(
  db: Db,
  tokens: readonly Term[],
  lexicon: Lexicon,
): Promise<Map<string, Correction>> {
  const out = new Map<string, Correction>()
  const proposals: { token: Term; word: string; stem: string; edits: number }[] = []
  const fallback: Term[] = []
  for (const t of tokens) {
    const zipf = lexicon.zipf(t.surface)
    if (zipf !== undefined && zipf > 2) continue // a real, not rare, word
    const near = [...edits1(t.surface)].filter((w) => lexicon.zipf(w) !== undefined)
    const found = near.map((w) => ({ token: t, word: w, stem: stem(w), edits: 1 }))
    if (found.length === 0 && zipf === undefined && t.surface.length >= 7) {
      const two = new Set<string>()
      for (const e of edits1(t.surface))
        for (const w of edits1(e)) if (lexicon.zipf(w) !== undefined) two.add(w)
      for (const w of two) found.push({ token: t, word: w, stem: stem(w), edits: 2 })
    }
    proposals.push(...found)
    if (zipf === undefined) fallback.push(t) // tried below if no English word fits
  }
  const df = await documentFrequencies(db, [...new Set(proposals.map((p) => p.stem))])
  const best = new Map<string, { c: Correction; rank: number[] }>()
  for (const p of proposals) {
    const n = df.get(p.stem)
    if (!n) continue
    const rank = [p.word[0] === p.token.surface[0] ? 0 : 1, p.edits, -n]
    const cur = best.get(p.token.stem)
    if (!cur || compare(rank, cur.rank) < 0) best.set(p.token.stem, { c: { term: p.stem, df: n }, rank })
  }
  for (const [k, v] of best) out.set(k, v.c)
  const rest = fallback.filter((t) => !out.has(t.stem))
  for (const [k, v] of await closestIndexedTerms(
    db,
    rest.map((t) => t.stem),
  ))
    out.set(k, v)
  return out
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0)
  return 0
}

/**
 * For each unknown stem that is no English word, the indexed term it most likely misspells: candidates share its first
 * letter and a similar length, or many trigrams (for a wrong first letter); the winner is the
 * closest by Damerau–Levenshtein distance (a swap like "crad"/"card" costs 1), within 1 edit
 * for short words and 2 for longer ones, the more frequent term on a tie.
 */
async function closestIndexedTerms(db: Db, stems: string[]): Promise<Map<string, Correction>> {
  const out = new Map<string, Correction>()
  if (stems.length === 0) return out
  const rows = await queryRows<{ typo: string; term: string; df: number }>(
    db,
    sql`SELECT u.typo, c.term, c.df
        FROM unnest(${toTextArray(stems)}::text[]) AS u(typo)
        CROSS JOIN LATERAL (
          (SELECT term, df FROM terms
           WHERE term >= left(u.typo, 1) AND term < left(u.typo, 1) || chr(1114111)
             AND length(term) BETWEEN length(u.typo) - 2 AND length(u.typo) + 2
           ORDER BY df DESC LIMIT 2000)
          UNION
          (SELECT term, df FROM terms WHERE term % u.typo ORDER BY similarity(term, u.typo) DESC LIMIT 20)
        ) AS c`,
    'correct spelling',
  )
  const best = new Map<string, { term: string; df: number; distance: number }>()
  for (const r of rows) {
    const limit = r.typo.length <= 4 ? 1 : 2
    const distance = editDistance(r.typo, r.term, limit)
    if (distance > limit) continue
    const cur = best.get(r.typo)
    if (!cur || distance < cur.distance || (distance === cur.distance && r.df > cur.df)) {
      best.set(r.typo, { term: r.term, df: r.df, distance })
    }
  }
  for (const [typo, b] of best) out.set(typo, { term: b.term, df: b.df })
  return out
}

/** Optimal-string-alignment (Damerau–Levenshtein) distance, stopping early past `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)]
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min((rows[i - 1]?.[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (rows[i - 1]?.[j - 1] ?? 0) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1)
      row.push(d)
      rowMin = Math.min(rowMin, d)
    }
    if (rowMin > limit) return limit + 1
    rows.push(row)
  }
  return rows[a.length]?.[b.length] ?? limit + 1
}
