import { sql } from 'drizzle-orm'
import stem from 'wink-porter2-stemmer'
import { type Db, queryRows } from '../../db/client'
import { loadLexicon } from '../resources/lexicon-store'
import { analyze, QUESTION_FILLER, type Term } from '../text/analyze'
import type { Lexicon } from '../text/lexicon'
import { otherForms } from '../text/irregular'
import { CJK_CHAR } from '../text/script'
import { conceptPhrases, conceptsOf } from '../text/thesaurus'
import { type ChatTurn, isFollowUp, previousTopic } from './follow-up'
import { correctSpelling } from './spelling'
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
  const [stats, lexicon] = await Promise.all([termStats(db, lexemes), loadLexicon(db)])
  // Only a token that is not a word of the language is a typo: "took" or "summer" the handbook
  // happens not to use must not become "tool" or "suffer".
  const unknown = own.filter(
    (t) => !t.cjk && t.surface.length >= 4 && !/\d/.test(t.surface) && !stats.df.has(t.stem),
  )
  const corrections = await correctSpelling(db, unknown, lexicon)
  for (const [, c] of corrections) if (!stats.df.has(c.term)) stats.df.set(c.term, c.df)

  const terms: QueryTerm[] = []
  const seen = new Set<string>()
  const push = (
    lexemes: string[],
    origin: QueryTerm['origin'],
    extra: { correctedFrom?: string; variantOf?: string } = {},
    term?: Term,
  ) => {
    const key = lexemes.join(' ')
    if (seen.has(key) || lexemes.length === 0) return
    seen.add(key)
    let rarity =
      term && !stats.df.has(term.stem)
        ? outOfCorpusRarity(term, lexicon)
        : lexemes.reduce((s, l) => s + idf(stats, l), 0) / lexemes.length
    if (term?.joint) rarity *= JOINT_WEIGHT
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
    else push([t.stem], 'question', {}, t)
  }
  for (const v of variants) if (stats.df.has(v.stem)) push([v.stem], 'variant', { variantOf: v.of })
  for (const t of borrowed) push([t.stem], 'history', {}, t)

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
  return analyze(text, 'query').filter((t) => !QUESTION_FILLER.has(t.surface))
}

/** A CJK bigram made across the question's word boundaries counts this much of a word. */
const JOINT_WEIGHT = 0.5

/**
 * The weight of a question word the index has never seen, on the idf scale: the corpus cannot
 * tell how specific it is, so the general language does. "tho" or "guys" say little; "softball"
 * says a lot (and that the documents lack it). A token that is no English word (an acronym, a
 * product name, an uncorrected typo) weighs as a fairly rare word; a CJK term as a word.
 */
export function outOfCorpusRarity(term: Term, lexicon: Lexicon): number {
  if (term.cjk) return 3.5
  if (/^\d/.test(term.surface)) return 2
  const zipf = lexicon.zipf(term.surface)
  if (zipf === undefined) return lexicon.size > 0 ? 4 : 5
  return Math.min(5, Math.max(0.8, (6.5 - zipf) * 1.1))
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
export async function documentFrequencies(db: Db, lexemes: string[]): Promise<Map<string, number>> {
  const rows = await queryRows<{ term: string; df: number }>(
    db,
    sql`SELECT term, df FROM terms WHERE term = ANY(${toTextArray(lexemes)}::text[])`,
    'read term statistics',
  )
  return new Map(rows.map((r) => [r.term, r.df]))
}

/** A lexeme as a tsquery operand. Lexemes are letters and digits only, but quote them anyway. */
function quoteLexeme(l: string): string {
  return `'${l.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`
}

/** A JS string array as a Postgres array literal, for drivers that do not bind arrays. */
export function toTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`
}
