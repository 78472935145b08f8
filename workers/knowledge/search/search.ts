import { sql } from 'drizzle-orm'
import { type Db, queryRows } from '../../db/client'
import type { Embedder } from '../embed/types'
import { ensureEmbedder } from '../store'
import { analyze, QUESTION_FILLER } from '../text/analyze'
import { conceptSpans, conceptsOf } from '../text/thesaurus'
import type { ChatTurn } from './follow-up'
import { idf, planQuery, toTextArray } from './plan'
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
}

export interface SearchResult {
  plan: QueryPlan
  passages: Passage[]
  /** Share of the question's idf weight found in the best passage, 0..1 (an answerability signal). */
  coverage: number
}

/** Reciprocal rank fusion constant (Cormack et al.): damps the head of each list. */
const RRF_K = 60

/**
 * Hybrid retrieval: full-text (Postgres tsvector, each query term weighted by idf and scored with
 * `ts_rank`, a saturating term frequency) and vector similarity (pgvector HNSW over the current
 * embedder's vectors only) ranked separately and fused by reciprocal rank.
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
  const [lexical, semantic] = await Promise.all([
    lexicalSearch(db, plan, n, audienceFilter),
    vector
      ? vectorSearch(db, embedderId, embedder.dimensions, vector, n, audienceFilter)
      : Promise.resolve([]),
  ])

  const fused = new Map<number, { score: number; lexical?: number; similarity?: number }>()
  lexical.forEach((r, i) => {
    fused.set(r.id, { score: 1 / (RRF_K + i + 1), lexical: r.score })
  })
  semantic.forEach((r, i) => {
    const cur = fused.get(r.id) ?? { score: 0 }
    cur.score += 1 / (RRF_K + i + 1)
    cur.similarity = r.similarity
    fused.set(r.id, cur)
  })
  const top = [...fused.entries()].sort((a, b) => b[1].score - a[1].score).slice(0, k)
  const details = await passageDetails(
    db,
    top.map(([id]) => id),
  )
  const passages: Passage[] = []
  for (const [id, s] of top) {
    const d = details.get(id)
    if (!d) continue // deleted between the two queries
    passages.push({
      ...d,
      score: s.score,
      ...(s.lexical !== undefined ? { lexical: s.lexical } : {}),
      ...(s.similarity !== undefined ? { similarity: s.similarity } : {}),
    })
  }
  return { plan, passages, coverage: coverage(plan, passages[0]?.text, passages[0]) }
}

/**
 * Query term weights for the local embedder: idf scaled so a typical word weighs about 1. A word
 * the index has never seen weighs 0.5: it matches no passage by itself, only by its trigrams.
 */
function idfWeight(stats: { chunks: number; df: Map<string, number> }, stem: string): number {
  if (stats.chunks === 0) return 1
  if (!stats.df.has(stem)) return 0.5
  return Math.min(2.5, Math.max(0.2, idf(stats, stem) / 3))
}

async function lexicalSearch(
  db: Db,
  plan: QueryPlan,
  limit: number,
  audience: ReturnType<typeof audienceSql>,
) {
  if (plan.terms.length === 0) return []
  const tq = toTextArray(plan.terms.map((t) => t.tsquery))
  const w = `{${plan.terms.map((t) => t.weight.toFixed(6)).join(',')}}`
  return queryRows<{ id: number; score: number }>(
    db,
    sql`SELECT c.id, sum(q.w * ts_rank(c.tsv, q.tq::tsquery, 1))::float8 AS score
        FROM unnest(${tq}::text[], ${w}::float8[]) AS q(tq, w)
        JOIN chunks c ON c.tsv @@ q.tq::tsquery
        ${audience.join} ${audience.where}
        GROUP BY c.id ORDER BY score DESC, c.id LIMIT ${limit}`,
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
  }>(
    db,
    sql`SELECT c.id, c.document_id, d.source_kind, d.source_path, d.title, d.url, c.heading_path, c.page,
               d.updated_at, d.language, c.text
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

/**
 * The share of the question's own terms (idf-weighted) that a passage expresses: the term itself,
 * or a concept the term names in the question (a question about "PTO" is covered by a passage
 * about "annual leave").
 */
function coverage(plan: QueryPlan, text: string | undefined, passage: Passage | undefined): number {
  if (!text || !passage) return 0
  const passageStems = analyze(`${passage.title} ${passage.headingPath.join(' ')} ${text}`).map((t) => t.stem)
  const present = new Set(passageStems)
  const passageConcepts = conceptsOf(passageStems)
  const own = plan.terms.filter((t) => t.origin === 'question' || t.origin === 'correction')
  const total = own.reduce((s, t) => s + t.weight, 0)
  if (total === 0) return 0
  const sequence = own.map((t) => t.lexemes[0] ?? '')
  const spans = conceptSpans(sequence)
  let found = 0
  own.forEach((t, i) => {
    const direct = t.lexemes.every((l) => present.has(l))
    const viaConcept = spans.some((s) => s.start <= i && i < s.end && passageConcepts.has(s.concept))
    if (direct || viaConcept) found += t.weight
  })
  return Math.min(1, found / total)
}
