import { sql } from 'drizzle-orm'
import stem from 'wink-porter2-stemmer'
import { type Db, queryRows } from '../../db/client'
import { analyze, QUESTION_FILLER, type Term } from '../text/analyze'
import { otherForms } from '../text/irregular'
import { CJK_CHAR } from '../text/script'
import { conceptPhrases, conceptsOf } from '../text/thesaurus'
import { type ChatTurn, isFollowUp, previousTopic } from './follow-up'
import type { QueryPlan, QueryTerm } from './types'

/** Weights of a term by where it came from, relative to a word of the question itself. */
/**
 * Weights of a term by where it came from, relative to a word of the question itself. Synonyms
 * weigh little in the full-text channel: on the dev set more weight added noise faster than it
 * found paraphrases (the vector channel carries concepts at full strength).
 */
const ORIGIN_WEIGHT = { question: 1, correction: 0.9, variant: 0.8, history: 0.5, synonym: 0.2 } as const

/** Corpus statistics for idf: chunk count and each lexeme's chunk frequency. */
export interface TermStats {
  chunks: number
  /** Mean chunk length in distinct lexemes, BM25's length normaliser. */
  avgLength: number
  df: Map<string, number>
}

/** Inverse document frequency (BM25's, always positive). */
export function idf(stats: TermStats, lexeme: string): number {
  const df = stats.df.get(lexeme) ?? 0
  return Math.log(1 + (stats.chunks - df + 0.5) / (df + 0.5))
}

/**
 * Turns a question (and the conversation before it) into a weighted full-text query and the
 * text to embed: follow-ups borrow the previous question's words at half weight; unknown words
 * are corrected to the closest indexed word by trigram similarity ("reimbursment", "expence");
 * policy synonyms are added at lower weight ("PTO" also searches "vacation", "annual leave").
 */
export async function planQuery(
  db: Db,
  question: string,
  history: readonly ChatTurn[] = [],
): Promise<{ plan: QueryPlan; stats: TermStats }> {
  const followUp = isFollowUp(question, history)
  const topic = followUp ? previousTopic(history) : undefined
  const own = queryTerms(question)
  const borrowed = topic ? queryTerms(topic).filter((t) => !own.some((o) => o.stem === t.stem)) : []

  const variants = own.flatMap((t) => otherForms(t.surface).map((f) => ({ of: t.stem, stem: stem(f) })))
  const lexemes = [...new Set([...own, ...borrowed].map((t) => t.stem).concat(variants.map((v) => v.stem)))]
  const stats = await termStats(db, lexemes)
  const unknown = own.filter(
    (t) => !t.cjk && t.surface.length >= 4 && !/\d/.test(t.surface) && !stats.df.has(t.stem),
  )
  const corrections = await correctSpelling(
    db,
    unknown.map((t) => t.stem),
  )
  for (const [, c] of corrections) if (!stats.df.has(c.term)) stats.df.set(c.term, c.df)

  const terms: QueryTerm[] = []
  const seen = new Set<string>()
  const push = (
    lexemes: string[],
    origin: QueryTerm['origin'],
    extra: { correctedFrom?: string; variantOf?: string } = {},
  ) => {
    const key = lexemes.join(' ')
    if (seen.has(key) || lexemes.length === 0) return
    seen.add(key)
    let rarity = lexemes.reduce((s, l) => s + idf(stats, l), 0) / lexemes.length
    // A variant stands in for the question's word: it may not weigh more than that word does.
    if (extra.variantOf) rarity = Math.min(rarity, idf(stats, extra.variantOf))
    const weight = ORIGIN_WEIGHT[origin] * rarity
    terms.push({
      tsquery: lexemes.map(quoteLexeme).join(' <-> '),
      lexemes,
      weight,
      origin,
      known: lexemes.every((l) => (stats.df.get(l) ?? 0) > 0),
      ...extra,
    })
  }
  for (const t of own) {
    const fix = corrections.get(t.stem)
    if (fix) push([fix.term], 'correction', { correctedFrom: t.surface })
    else push([t.stem], 'question')
  }
  for (const v of variants) if (stats.df.has(v.stem)) push([v.stem], 'variant', { variantOf: v.of })
  for (const t of borrowed) push([t.stem], 'history')

  // Synonyms of the concepts the question (with its corrections) mentions.
  const questionStems = own.map((t) => corrections.get(t.stem)?.term ?? t.stem)
  const concepts = conceptsOf([...questionStems, ...borrowed.map((t) => t.stem)])
  // Synonyms in the question's own script: an English question wants English passages first.
  const cjkQuestion = own.some((t) => t.cjk)
  const synonymLexemes = [...concepts.keys()]
    .flatMap(conceptPhrases)
    .filter((p) => p.length <= 3 && (cjkQuestion || !p.some((l) => CJK_CHAR.test(l))))
  const missing = synonymLexemes.flat().filter((l) => !stats.df.has(l))
  if (missing.length > 0) {
    for (const [k, v] of await documentFrequencies(db, missing)) stats.df.set(k, v)
  }
  for (const phrase of synonymLexemes) {
    if (phrase.every((l) => stats.df.has(l))) push(phrase, 'synonym')
  }

  const standalone = topic ? `${question} (${topic})` : question
  return { plan: { text: standalone, followUp, terms, embedText: standalone }, stats }
}

/** The content terms of a question: analysed, question filler ("how many", "can I get") dropped. */
export function queryTerms(text: string): Term[] {
  return analyze(text).filter((t) => !QUESTION_FILLER.has(t.surface))
}

/** Chunk count and the chunk frequency of the given lexemes. */
export async function termStats(db: Db, lexemes: string[]): Promise<TermStats> {
  const df = await documentFrequencies(db, lexemes)
  const [corpus] = await queryRows<{ chunks: number; length: number }>(
    db,
    sql`SELECT (value->>'chunks')::float8 AS chunks, (value->>'length')::float8 AS length FROM settings WHERE key = 'corpus'`,
    'read corpus statistics',
  )
  const chunks = corpus?.chunks ?? 0
  return {
    chunks,
    avgLength: chunks > 0 ? (corpus?.length ?? 0) / chunks : 0,
    df,
  }
}

/** The chunk frequency of each lexeme the index knows. */
async function documentFrequencies(db: Db, lexemes: string[]): Promise<Map<string, number>> {
  const rows = await queryRows<{ term: string; df: number }>(
    db,
    sql`SELECT term, df FROM terms WHERE term = ANY(${toTextArray(lexemes)}::text[])`,
    'read term statistics',
  )
  return new Map(rows.map((r) => [r.term, r.df]))
}

/**
 * For each unknown stem, the indexed term it most likely misspells: candidates share its first
 * letter and a similar length, or many trigrams (for a wrong first letter); the winner is the
 * closest by Damerau–Levenshtein distance (a swap like "crad"/"card" costs 1), within 1 edit
 * for short words and 2 for longer ones, the more frequent term on a tie.
 */
async function correctSpelling(db: Db, stems: string[]): Promise<Map<string, { term: string; df: number }>> {
  const out = new Map<string, { term: string; df: number }>()
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

/** A lexeme as a tsquery operand. Lexemes are letters and digits only, but quote them anyway. */
function quoteLexeme(l: string): string {
  return `'${l.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`
}

/** A JS string array as a Postgres array literal, for drivers that do not bind arrays. */
export function toTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`
}
