import { sql } from 'drizzle-orm'
import stem from 'wink-porter2-stemmer'
import { type Db, queryRows } from '../../db/client'
import { loadLexicon } from '../resources/lexicon-store'
import { analyze, QUESTION_FILLER, type Term } from '../text/analyze'
import { segmentByDictionary } from '../text/cjk-words'
import { otherForms } from '../text/irregular'
import { EMPTY_LEXICON, type Lexicon } from '../text/lexicon'
import { CJK_CHAR, CJK_RUN } from '../text/script'
import { isCjkFunctionWord } from '../text/segment'
import { conceptPhrases, conceptSpans, conceptsOf, isColloquial, isSynonymConcept } from '../text/thesaurus'
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

/**
 * Phrases of one colloquial-lexicon concept searched for a question. With 4, the lexicon left
 * query latency at 10k chunks where it was before it (p50 +3 %, p95 -4 %; +20 % with all of
 * them) and the dev split's hit@1 and hit@5 unchanged.
 */
const COLLOQUIAL_PHRASES = 4

/** Share of the history weight an earlier question's words get when nothing cues a follow-up. */
const UNCUED_HISTORY = 0.5

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
 * text to embed: the thread's earlier question lends its words (and its names: Berlin); tokens
 * that are no words are corrected ("reimbursment", "vaction"); words the index lacks weigh by
 * their general rarity; a synonym concept's phrases join the question word's group ("PTO" also
 * finds "annual leave"), topic clusters come in at low weight; entitlement questions add the
 * documents' wording for it. Chinese questions are read with the dictionary segmenter.
 */
export async function planQuery(
  db: Db,
  question: string,
  history: readonly ChatTurn[] = [],
): Promise<{ plan: QueryPlan; stats: TermStats }> {
  // In a thread every question may lean on the one before ("is it paid?" after a Berlin
  // question): the earlier topic is always carried, at full history weight when the question
  // shows it follows up (a pronoun, a connective, too short to stand alone), else at less.
  const cue = isFollowUp(question, history)
  const topic = history.some((t) => t.role === 'user') ? previousTopic(history) : undefined
  const historyWeight = cue ? 1 : UNCUED_HISTORY
  const asked = queryTerms(question)
  const borrowed = topic ? queryTerms(topic).filter((t) => !asked.some((o) => o.stem === t.stem)) : []

  const variants = asked.flatMap((t) => otherForms(t.surface).map((f) => ({ of: t.stem, stem: stem(f) })))
  const lexemes = [...new Set([...asked, ...borrowed].map((t) => t.stem).concat(variants.map((v) => v.stem)))]
  const cjkQuestion = asked.some((t) => t.cjk)
  const [stats, lexicon, zh] = await Promise.all([
    termStats(db, lexemes),
    loadLexicon(db, 'en'),
    cjkQuestion ? loadLexicon(db, 'zh') : EMPTY_LEXICON,
  ])
  if (zh.size > 0) markAskedCjk(question, asked, zh, stats)
  // A CJK character or bridging bigram the documents never use is an artefact of segmentation.
  const own = asked.filter((t) => !(t.auxiliary && !stats.df.has(t.stem)))
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
    extra: { correctedFrom?: string; variantOf?: string; entity?: boolean } = {},
    term?: Term,
    group = terms.length,
  ) => {
    const key = lexemes.join(' ')
    if (seen.has(key) || lexemes.length === 0) return
    seen.add(key)
    let rarity =
      term && !stats.df.has(term.stem)
        ? (term.rarity ?? generalRarity(term, lexicon))
        : lexemes.reduce((s, l) => s + idf(stats, l), 0) / lexemes.length
    // A variant stands in for the question's word: it may not weigh more than that word does.
    if (extra.variantOf) rarity = Math.min(rarity, idf(stats, extra.variantOf))
    const weight =
      ORIGIN_WEIGHT[origin] *
      rarity *
      (origin === 'history' ? historyWeight : 1) *
      (extra.entity ? ENTITY_WEIGHT : 1)
    terms.push({
      tsquery: lexemes.map(quoteLexeme).join(' <-> '),
      lexemes,
      weight,
      origin,
      // Chinese and Japanese are judged at the character level: 年假 is known when 年 and 假 are.
      known:
        lexemes.every((l) => (stats.df.get(l) ?? 0) > 0) ||
        (term?.cjk === true && [...term.stem].every((c) => (stats.df.get(c) ?? 0) > 0)),
      specificity: term
        ? term.cjk
          ? (term.rarity ?? generalRarity(term, zh))
          : generalRarity(term, lexicon)
        : rarity,
      ...(term?.auxiliary ? { auxiliary: true } : {}),
      group,
      ...extra,
    })
  }
  const groupOf = (lexeme: string) =>
    terms.find((t) => t.lexemes.length === 1 && t.lexemes[0] === lexeme)?.group
  for (const t of own) {
    const fix = corrections.get(t.stem)
    if (fix) push([fix.term], 'correction', { correctedFrom: t.surface })
    else push([t.stem], 'question', {}, t)
  }
  for (const v of variants)
    if (stats.df.has(v.stem)) push([v.stem], 'variant', { variantOf: v.of }, undefined, groupOf(v.of))
  // The earlier question's names (Berlin, Seattle, the Sales team) still hold in a follow-up that
  // names none of its own: "and do unused days carry over?" asks about Berlin's days.
  const ownNames = namesIn(question)
  const topicNames = topic && ownNames.size === 0 ? namesIn(topic) : new Set<string>()
  for (const t of borrowed) push([t.stem], 'history', topicNames.has(t.surface) ? { entity: true } : {}, t)

  // Synonyms of the concepts the question (with its corrections) mentions.
  const questionStems = own.map((t) => corrections.get(t.stem)?.term ?? t.stem)
  const sequence = [...questionStems, ...borrowed.map((t) => t.stem)]
  const concepts = conceptsOf(sequence)
  // Each concept's phrases count as the question's own word for it ("annual leave" as "vacation").
  const conceptGroup = new Map<string, number | undefined>()
  for (const span of conceptSpans(sequence))
    if (!conceptGroup.has(span.concept) && isSynonymConcept(span.concept))
      conceptGroup.set(span.concept, groupOf(sequence[span.start] ?? ''))
  // Synonyms in the question's own script: an English question wants English passages first.
  const synonymLexemes = [...concepts.keys()]
    .flatMap((c) => conceptPhrases(c).map((p) => ({ p, group: conceptGroup.get(c), concept: c })))
    .filter(({ p }) => p.length <= 3 && (cjkQuestion || !p.some((l) => CJK_CHAR.test(l))))
  const missing = synonymLexemes.flatMap(({ p }) => p).filter((l) => !stats.df.has(l))
  if (missing.length > 0) {
    for (const [k, v] of await documentFrequencies(db, missing)) stats.df.set(k, v)
  }
  // The curated thesaurus's phrases all count; of a colloquial concept's (up to 30), the
  // COLLOQUIAL_PHRASES the documents use most: every phrase costs the full-text query a scan of its
  // candidates.
  const usable = synonymLexemes.filter(({ p }) => p.every((l) => stats.df.has(l)))
  for (const { p, group } of usable.filter((x) => !isColloquial(x.concept)))
    push(p, 'synonym', {}, undefined, group)
  const perConcept = new Map<string, number>()
  const colloquial = usable
    .filter((x) => isColloquial(x.concept))
    .map((x) => ({ ...x, df: Math.min(...x.p.map((l) => stats.df.get(l) ?? 0)) }))
    .sort((a, b) => b.df - a.df)
  for (const { p, group, concept } of colloquial) {
    const n = perConcept.get(concept) ?? 0
    if (n >= COLLOQUIAL_PHRASES) continue
    perConcept.set(concept, n + 1)
    push(p, 'synonym', {}, undefined, group)
  }
  // A question word the documents never use is still known when they name its concept: "minimum"
  // where they say "at least".
  const expressed = new Set(
    [...concepts.keys()].filter((c) =>
      conceptPhrases(c).some((p) => p.every((l) => (stats.df.get(l) ?? 0) > 0)),
    ),
  )
  for (const span of conceptSpans(questionStems)) {
    if (!expressed.has(span.concept)) continue
    for (let i = span.start; i < span.end; i++) {
      const lexeme = questionStems[i]
      const t = terms.find((x) => x.lexemes.length === 1 && x.lexemes[0] === lexeme)
      if (t && (t.origin === 'question' || t.origin === 'correction')) t.known = true
    }
  }

  // "How many days do I get?" asks what one is entitled to: handbooks say "receive", "are
  // entitled to", "享受"; the question's "get" was filler. One group, weighed as a middling word.
  if (ENTITLEMENT_QUESTION.test(question)) {
    const words = cjkQuestion ? ENTITLEMENT_WORDS.zh : ENTITLEMENT_WORDS.en
    const found = await documentFrequencies(db, words)
    const group = terms.length
    for (const [l, df] of found) {
      stats.df.set(l, df)
      push([l], 'synonym', {}, undefined, group)
    }
    const head = terms.find((t) => t.group === group)
    if (head) head.weight = ENTITLEMENT_WEIGHT
  }

  // The vector channel sees the earlier question only when this one shows it follows up: an
  // unrelated new question in a long chat must not borrow the old topic's passages wholesale.
  const standalone = topic && cue ? `${question} (${topic})` : question
  return { plan: { text: standalone, followUp: topic !== undefined, terms, embedText: standalone }, stats }
}

/** The content terms of a question: analysed, question filler ("how many", "can I get") dropped. */
export function queryTerms(text: string): Term[] {
  return analyze(text.replace(QUESTION_WORD, '$1'), 'query').filter((t) => !QUESTION_FILLER.has(t.surface))
}

/** "how long", "how soon", "how often": the adverb asks for a number, it is not the topic. */
const QUESTION_WORD = /\b(how) (long|soon|often|far|old|early|late)\b/gi

/**
 * A term's rarity in the general language on the idf scale, from the lexicon's Zipf frequency:
 * "take" 1.1, "summer" 2.2, "softball" 3.3, "stipend" 4.4. A CJK term counts as a word (3.5), a
 * It weighs a question word the index has never
 * seen, where the corpus cannot tell how specific it is: "tho" says little, "softball" a lot (and
 * that the documents lack it); a token that is no English word (an acronym, a product name, an
 * uncorrected typo) weighs as a fairly rare word.
 */
export function generalRarity(term: Term, lexicon: Lexicon): number {
  if (term.cjk) return term.auxiliary ? 1.5 : 3.5
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
  if (lexemes.length === 0) return new Map()
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

/**
 * Which of a Chinese question's terms are what it asks about: its runs are segmented with the
 * general dictionary (and the corpus's long words), and the bigrams inside its content words
 * (not function words, not question filler) are asked, each as rare as its word; characters and
 * bigrams across words only rank.
 */
function markAskedCjk(question: string, terms: Term[], zh: Lexicon, stats: TermStats): void {
  const asked = new Map<string, number>()
  for (const [run] of question.normalize('NFKC').matchAll(CJK_RUN)) {
    const words = segmentByDictionary(
      run,
      (w) => zh.zipf(w),
      (w) => stats.df.has(w),
    )
    for (const w of words) {
      const chars = [...w]
      if (chars.length < 2 || isCjkFunctionWord(w) || QUESTION_FILLER.has(w)) continue
      const z = zh.zipf(w)
      const rarity = z === undefined ? 4 : Math.min(5, Math.max(0.8, (6.5 - z) * 1.1))
      for (let i = 0; i + 1 < chars.length; i++)
        asked.set((chars[i] as string) + (chars[i + 1] as string), rarity)
      if (chars.length >= 3) asked.set(w, rarity)
    }
  }
  for (const t of terms) {
    if (!t.cjk) continue
    const rarity = asked.get(t.stem)
    if (rarity === undefined) t.auxiliary = true
    else {
      delete t.auxiliary
      t.rarity = rarity
    }
  }
}

/** A name carried over from the earlier question weighs as a word of the question itself. */
const ENTITY_WEIGHT = 2

/**
 * The names in a text, lower-cased: capitalised words not at the start of a sentence ("Berlin",
 * "Seattle", "GitLab"), and all-capital acronyms of two or more letters ("UK", "PTO").
 */
export function namesIn(text: string): Set<string> {
  const out = new Set<string>()
  for (const m of text.matchAll(/(^|[.!?]\s+|\s|\()([A-Z][\p{L}]+|[A-Z]{2,})\b/gu)) {
    const word = m[2] ?? ''
    const sentenceStart = m.index === 0 || /[.!?]\s+$/.test(m[1] ?? '') || m[1] === ''
    if (!sentenceStart || /^[A-Z]{2,}$/.test(word)) out.add(word.toLowerCase())
  }
  return out
}

/** A question about what one gets ("how many days do I get", "am I entitled to", "能休几天"). */
const ENTITLEMENT_QUESTION =
  /\b(do|does|will|would|can|could|should|shall)\s+(i|we|you|employees?|they|staff|people)\s+(get|receive|have)\b|\b(am i|are we|is one) (entitled|eligible)\b|\bentitled to\b|能(休|拿|有|享受|请)|可以(休|拿|有|享受|请)|有几天|有多少天/i

/** How the documents word an entitlement (stems; CJK bigrams). */
const ENTITLEMENT_WORDS = { en: ['receiv', 'entitl', 'elig', 'allow'], zh: ['享受', '享有', '有权'] }

/** The weight of the entitlement group: a middling word's (idf about 2). */
const ENTITLEMENT_WEIGHT = 2

/** A JS string array as a Postgres array literal, for drivers that do not bind arrays. */
export function toTextArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`
}
