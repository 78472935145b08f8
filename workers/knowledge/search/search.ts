import { sql } from 'drizzle-orm'
import { type Db, queryRows } from '../../db/client'
import type { Embedder } from '../embed/types'
import { ensureEmbedder } from '../store'
import { QUESTION_FILLER } from '../text/analyze'
import { asksForNumber, numberMentionCounter } from '../text/question-type'
import { groupHeads } from './evidence'
import type { ChatTurn } from './follow-up'
import { idf, planQuery, type TermStats, toTextArray } from './plan'
import type { Passage, QueryPlan } from './types'

export interface SearchOptions {
  /** Passages to return (default 5). */
  k?: number
  /** Earlier turns of the conversation, for follow-up questions. */
  history?: readonly ChatTurn[]
  /** The asker's audiences; documents restricted to other audiences are not searched. */
  audiences?: readonly string[]
  /** Candidates taken from each channel before fusion (default 50). */
  candidates?: number
  /** Which channels to use (default both); one alone is for measurement. */
  channels?: readonly ('lexical' | 'vector')[]
}

export interface SearchResult {
  plan: QueryPlan
  passages: Passage[]
}

/**
 * Weight of the vector channel against the full-text channel after each is min-max normalised
 * over its candidates. Chosen on the dev set, where 0.3–0.5 were best and reciprocal rank fusion
 * (equal votes) ranked worse: the full-text channel is the more precise of the two.
 */
const VECTOR_WEIGHT = 0.4

/**
 * Hybrid retrieval: full-text (Postgres tsvector and GIN, scored with BM25 over idf-weighted query
 * terms) and vector similarity (pgvector HNSW over the current embedder's vectors only), scored
 * separately and fused (see `fuse`).
 */
export async function search(
  db: Db,
  embedder: Embedder,
  question: string,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const k = options.k ?? 5
  const n = options.candidates ?? 50
  const { plan, stats } = await planQuery(db, question, options.history ?? [])
  const embedderId = await ensureEmbedder(db, embedder)
  const audienceFilter = audienceSql(options.audiences)

  const [vector] = await embedder.embed([plan.embedText], 'query', {
    termWeight: (stem) => (QUESTION_FILLER.has(stem) ? 0 : idfWeight(stats, stem)),
  })
  const channels = options.channels ?? ['lexical', 'vector']
  const [lexical, semantic] = await Promise.all([
    channels.includes('lexical') ? lexicalSearch(db, plan, stats, n, audienceFilter) : Promise.resolve([]),
    vector && channels.includes('vector')
      ? vectorSearch(db, embedderId, embedder.dimensions, vector, n, audienceFilter)
      : Promise.resolve([]),
  ])

  const fused = fuse(lexical, semantic)
  const wantsNumber = asksForNumber(plan.text)
  // A question asking "how many" is reranked among more candidates: the answer-type evidence
  // needs their text. Copies of a passage (a handbook that keeps an old and a new tree of the same
  // page) are read too, so that each copy after the first gives its place to another passage.
  const ranked = [...fused.entries()].sort((a, b) => b[1].score - a[1].score)
  let top = ranked.slice(0, k * READ_AHEAD)
  const details = await passageDetails(
    db,
    top.map(([id]) => id),
  )
  if (wantsNumber) {
    const mentions = numberMentionCounter(plan.text)
    for (const [id, s] of top)
      s.score += NUMBER_WEIGHT * Math.min(1, mentions(details.get(id)?.text ?? '') / 3)
    top = top.sort((a, b) => b[1].score - a[1].score)
  }
  const passages: Passage[] = []
  const seenText = new Set<string>()
  for (const [id, s] of top) {
    const d = details.get(id)
    if (!d) continue // deleted between the two queries
    const key = d.text.toLowerCase().replace(/\s+/g, ' ').trim()
    if (seenText.has(key)) continue
    seenText.add(key)
    passages.push({
      ...d,
      score: s.score,
      ...(s.lexical !== undefined ? { lexical: s.lexical } : {}),
      ...(s.similarity !== undefined ? { similarity: s.similarity } : {}),
    })
    if (passages.length === k) break
  }
  return { plan, passages }
}

/**
 * Score fusion: each channel's scores are min-max normalised over its own candidates (so the
 * scale of BM25 or of an embedder's cosine does not matter), then added with the vector channel
 * weighted by VECTOR_WEIGHT. A passage found by one channel only gets 0 from the other.
 */
function fuse(lexical: { id: number; score: number }[], semantic: { id: number; similarity: number }[]) {
  const range = (xs: number[]) => {
    const lo = xs.length > 1 ? Math.min(...xs) : 0
    return { lo, span: Math.max(1e-9, Math.max(0, ...xs) - lo) }
  }
  const l = range(lexical.map((r) => r.score))
  const v = range(semantic.map((r) => r.similarity))
  const fused = new Map<number, { score: number; lexical?: number; similarity?: number }>()
  for (const r of lexical) fused.set(r.id, { score: (r.score - l.lo) / l.span, lexical: r.score })
  for (const r of semantic) {
    const cur = fused.get(r.id) ?? { score: 0 }
    cur.score += (VECTOR_WEIGHT * (r.similarity - v.lo)) / v.span
    cur.similarity = r.similarity
    fused.set(r.id, cur)
  }
  return fused
}

/**
 * Query term weights for the local embedder: idf scaled so a typical word weighs about 1. A word
 * the index has never seen weighs 0.5: it matches no passage by itself, only by its trigrams.
 */
function idfWeight(stats: TermStats, stem: string): number {
  if (stats.chunks === 0) return 1
  if (!stats.df.has(stem)) return 0.5
  return Math.min(2.5, Math.max(0.2, idf(stats, stem) / 3))
}

/** Candidates read per passage returned: room for the number prior and for dropping copies. */
const READ_AHEAD = 3

/**
 * For a question asking for a number, what a passage stating three or more numbers of the asked
 * thing ("20 days", "23 days", "26 days") gains on the fused scale (the best lexical match is 1).
 */
const NUMBER_WEIGHT = 0.2

/**
 * What a query term found in a passage's context (document title, outer headings) is worth,
 * against the same term in its body: once per term, however often, so the context decides
 * between documents and never between the sibling passages that share it. Chosen on the sample
 * and the out-of-domain dev split (0.3 / 0.6 / 1 / 1.5 / 2.5: hit@1 there 52.1 / 51.1 / 54.3 /
 * 54.3 / 54.3 %; on the sample 71.1 / 73.5 / 73.5 / 71.1 / 74.7 %).
 */
const CONTEXT_WEIGHT = 1

/** BM25 parameters (Robertson/Zaragoza defaults). */
const K1 = 1.2
const B = 0.75
/** Chunks pre-ranked by the index before exact BM25 scoring. */
const PRE_RANK = 300
/** Candidate generation stops adding (ever commoner) terms past this many expected matches. */
const CANDIDATE_BUDGET = 2000

/**
 * Full-text channel, in two steps so its cost does not grow with the commonest words:
 * 1. candidates: chunks matching the question's rarest terms (GIN index; terms are added from the
 *    rarest up while their chunk frequencies sum below CANDIDATE_BUDGET), pre-ranked by `ts_rank`;
 * 2. the best PRE_RANK of them scored with BM25 proper over every query term: idf-weighted (the
 *    plan's weights), term frequency from the tsvector's positions, saturating (k1) and
 *    length-normalised (b). A phrase term (a synonym phrase) present in a passage counts as
 *    often as its rarest word occurs there; a group of terms (a word and its synonyms) counts as
 *    one term whose frequency is the sum of theirs.
 */
async function lexicalSearch(
  db: Db,
  plan: QueryPlan,
  stats: TermStats,
  limit: number,
  audience: ReturnType<typeof audienceSql>,
) {
  const generators = plan.terms
    .filter(
      (t) =>
        t.origin !== 'synonym' && t.lexemes.length === 1 && (stats.df.get(t.lexemes[0] as string) ?? 0) > 0,
    )
    .sort((a, b) => (stats.df.get(a.lexemes[0] as string) ?? 0) - (stats.df.get(b.lexemes[0] as string) ?? 0))
  const chosen: string[] = []
  let expected = 0
  for (const t of generators) {
    const df = stats.df.get(t.lexemes[0] as string) ?? 0
    if (chosen.length > 0 && expected + df > CANDIDATE_BUDGET) break
    chosen.push(t.tsquery)
    expected += df
  }
  if (chosen.length === 0) return []
  const candidates = chosen.join(' | ')
  const tq = toTextArray(plan.terms.map((t) => t.tsquery))
  const lex = toTextArray(plan.terms.map((t) => (t.lexemes.length === 1 ? (t.lexemes[0] as string) : '')))
  const phrase = toTextArray(plan.terms.map((t) => (t.lexemes.length > 1 ? t.lexemes.join(' ') : '')))
  const w = `{${plan.terms.map((t) => t.weight.toFixed(6)).join(',')}}`
  const g = `{${plan.terms.map((t) => t.group).join(',')}}`
  // A group weighs what its first term (the question's own word) weighs.
  const heads = groupHeads(plan)
  const gw = `{${plan.terms.map((t) => (heads.get(t.group) ?? t).weight.toFixed(6)).join(',')}}`
  const avg = Math.max(1, stats.avgLength)
  return queryRows<{ id: number; score: number }>(
    db,
    sql`WITH q AS (
          SELECT * FROM unnest(${tq}::text[], ${lex}::text[], ${phrase}::text[], ${w}::float8[], ${g}::int[], ${gw}::float8[])
            AS q(tq, lex, phrase, w, g, gw)
        ),
        pre AS (
          SELECT c.id FROM chunks c ${audience.join}
          WHERE (c.tsv @@ ${candidates}::tsquery OR c.context_tsv @@ ${candidates}::tsquery) ${audience.and}
          ORDER BY ts_rank(c.tsv || c.context_tsv, ${candidates}::tsquery) DESC, c.id LIMIT ${PRE_RANK}
        ),
        cand AS (
          SELECT c.id, c.tsv, c.context_tsv AS ctx, length(c.tsv)::float8 / ${avg}::float8 AS rel
          FROM chunks c JOIN pre USING (id)
        ),
        tf AS (
          SELECT cand.id, cand.rel, q.g, q.gw, coalesce(array_length(u.positions, 1), 1)::float8 AS n
          FROM cand CROSS JOIN LATERAL unnest(cand.tsv) AS u JOIN q ON q.lex = u.lexeme
          UNION ALL
          SELECT cand.id, cand.rel, q.g, q.gw, (
            SELECT coalesce(min(coalesce(array_length(u.positions, 1), 1)), 1) FROM unnest(cand.tsv) AS u
            WHERE u.lexeme = ANY(string_to_array(q.phrase, ' '))
          )::float8
          FROM cand JOIN q ON q.lex = '' AND cand.tsv @@ q.tq::tsquery
        ),
        grouped AS (SELECT id, rel, g, max(gw) AS w, sum(n) AS n FROM tf GROUP BY id, rel, g),
        body AS (
          SELECT id, sum(w * n * ${K1 + 1}::float8 / (n + ${K1}::float8 * (${1 - B}::float8 + ${B}::float8 * rel)))::float8 AS s
          FROM grouped GROUP BY id
        ),
        context AS (SELECT cand.id, sum(q.w)::float8 AS s FROM cand JOIN q ON cand.ctx @@ q.tq::tsquery GROUP BY cand.id)
        SELECT cand.id, (coalesce(body.s, 0) + ${CONTEXT_WEIGHT}::float8 * coalesce(context.s, 0))::float8 AS score
        FROM cand LEFT JOIN body USING (id) LEFT JOIN context USING (id)
        ORDER BY score DESC, cand.id LIMIT ${limit}`,
    'full-text search',
  )
}

async function vectorSearch(
  db: Db,
  embedderId: number,
  dimensions: number,
  vector: number[],
  limit: number,
  audience: ReturnType<typeof audienceSql>,
) {
  // The cast's dimension must be a literal for the planner to match the partial HNSW index.
  const cast = sql.raw(`::vector(${Math.trunc(dimensions)})`)
  const v = `[${vector.join(',')}]`
  return queryRows<{ id: number; similarity: number }>(
    db,
    sql`SELECT c.id, (1 - (c.embedding${cast} <=> ${v}${cast}))::float8 AS similarity
        FROM chunks c ${audience.join}
        WHERE c.embedder_id = ${embedderId} ${audience.and}
        ORDER BY c.embedding${cast} <=> ${v}${cast} LIMIT ${limit}`,
    'vector search',
  )
}

function audienceSql(audiences: readonly string[] | undefined) {
  if (!audiences) return { join: sql``, where: sql``, and: sql`` }
  const list = toTextArray(audiences.map((a) => a.toLowerCase()))
  const cond = sql`(d.audience = '{}'::text[] OR d.audience && ${list}::text[])`
  return {
    join: sql`JOIN documents d ON d.id = c.document_id`,
    where: sql`WHERE ${cond}`,
    and: sql`AND ${cond}`,
  }
}

async function passageDetails(db: Db, ids: number[]): Promise<Map<number, Omit<Passage, 'score'>>> {
  if (ids.length === 0) return new Map()
  const rows = await queryRows<{
    id: number
    document_id: number
    source_kind: string
    source_path: string
    title: string
    url: string | null
    heading_path: string[]
    page: number | null
    updated_at: string | Date
    language: string
    text: string
    department: string | null
  }>(
    db,
    sql`SELECT c.id, c.document_id, d.source_kind, d.source_path, d.title, d.url, c.heading_path, c.page,
               d.updated_at, d.language, c.text, d.metadata->>'department' AS department
        FROM chunks c JOIN documents d ON d.id = c.document_id
        WHERE c.id = ANY(${`{${ids.map((i) => Math.trunc(i)).join(',')}}`}::int[])`,
    'load passages',
  )
  return new Map(
    rows.map((r) => [
      r.id,
      {
        chunkId: r.id,
        documentId: r.document_id,
        sourceKind: r.source_kind,
        sourcePath: r.source_path,
        title: r.title,
        url: r.url,
        headingPath: parseTextArray(r.heading_path),
        page: r.page,
        updatedAt: new Date(r.updated_at),
        language: r.language,
        text: r.text,
        ...(r.department ? { department: r.department } : {}),
      },
    ]),
  )
}

/** Text arrays come back as arrays from PGlite and as `{a,b}` literals from some drivers. */
function parseTextArray(v: string[] | string): string[] {
  if (Array.isArray(v)) return v
  if (v === '{}') return []
  return v
    .slice(1, -1)
    .match(/"((?:[^"\\]|\\.)*)"|[^,]+/g)!
    .map((s) => (s.startsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s))
}
