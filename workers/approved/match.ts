import { queryTerms } from '../knowledge/search/plan'
import { conceptSpans } from '../knowledge/text/thesaurus'

/**
 * When does a new question mean the same as one the policy team already answered? Two signals
 * must agree: the embeddings are close (semantic) and the content terms overlap (lexical: Jaccard
 * over stems, synonyms folded into thesaurus concepts). Three hard gates keep near misses out,
 * however similar the rest is: numbers must be equal ("2-day" vs "10-day trip"), negations must be
 * equal ("birthing" vs "non-birthing parent"), and the questions may not *swap* a term — each
 * having a content term the other lacks ("Berlin" vs "Seattle", "dog" vs "cat"); one question
 * adding a word to the other is allowed and costs lexical overlap. A wrong reuse gives someone a
 * confident wrong answer, a missed one only costs a fresh answer, so the gates favour precision. The threshold is calibrated on
 * `test/fixtures/approved/pairs.jsonl` (same-meaning pairs and near misses that differ in one
 * place, number or aspect): `npm run bench:approved` prints the sweep.
 */
export const REUSE_THRESHOLD = 0.75
const SEMANTIC_WEIGHT = 0.5

/** The comparable terms of a question: stems with synonym phrases replaced by their concept. */
export function questionTerms(text: string): string[] {
  const stems = queryTerms(text).map((t) => t.stem)
  const covered = new Set<number>()
  const out = new Set<string>()
  for (const span of conceptSpans(stems, { colloquial: false })) {
    out.add(`~${span.concept}`)
    for (let i = span.start; i < span.end; i++) covered.add(i)
  }
  stems.forEach((s, i) => {
    if (!covered.has(i)) out.add(s)
  })
  return [...out].sort()
}

/** Numbers in a question (digits), which must be equal for two questions to match. */
export function questionNumbers(text: string): string[] {
  return [...new Set(text.normalize('NFKC').match(/\d+(?:[.,]\d+)?/g) ?? [])].sort()
}

export interface QuestionKey {
  terms: readonly string[]
  numbers: readonly string[]
  embedding: readonly number[]
}

export interface MatchScore {
  score: number
  semantic: number
  lexical: number
  /** Why the pair can never match (numbers differ), if so. */
  blocked?: string
}

/** Scores how likely two questions mean the same (0..1). */
export function matchScore(a: QuestionKey, b: QuestionKey): MatchScore {
  const semantic = cosine(a.embedding, b.embedding)
  const lexical = jaccard(a.terms, b.terms)
  const score = SEMANTIC_WEIGHT * semantic + (1 - SEMANTIC_WEIGHT) * lexical
  const blocked = gate(a, b)
  return { score, semantic, lexical, ...(blocked ? { blocked } : {}) }
}

/** Whether a score is a reuse at the given threshold. */
export function isReuse(m: MatchScore, threshold = REUSE_THRESHOLD): boolean {
  return !m.blocked && m.score >= threshold
}

const NEGATIONS = new Set(['non', 'not', 'no', 'never', 'without', 'except', '不', '没', '无', '非'])

function gate(a: QuestionKey, b: QuestionKey): string | undefined {
  if (a.numbers.join(',') !== b.numbers.join(',')) return 'numbers differ'
  const sa = new Set(a.terms)
  const sb = new Set(b.terms)
  const onlyA = [...sa].filter((t) => !sb.has(t))
  const onlyB = [...sb].filter((t) => !sa.has(t))
  if ([...onlyA, ...onlyB].some((t) => NEGATIONS.has(t))) return 'negation differs'
  if (onlyA.length && onlyB.length) return `terms swapped (${onlyA.join(' ')} / ${onlyB.join(' ')})`
  return undefined
}

function jaccard(a: readonly string[], b: readonly string[]): number {
  if (!a.length && !b.length) return 1
  const sa = new Set(a)
  let both = 0
  for (const t of new Set(b)) if (sa.has(t)) both++
  return both / (sa.size + new Set(b).size - both)
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as number
    const y = b[i] as number
    dot += x * y
    na += x * x
    nb += y * y
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0
}
