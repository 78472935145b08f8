import { sql } from 'drizzle-orm'
import bm25 from 'wink-bm25-text-search'
import { type Db, queryRows } from '../../workers/db/client'
import { analyze } from '../../workers/knowledge/text/analyze'
import { type DevQuestion, historyOf } from './dev-set'

/** A chunk as the baseline sees it. */
export interface BaselineChunk {
  id: number
  path: string
  title: string
  heading: string
  text: string
}

/**
 * The BM25 baseline: wink-bm25-text-search (k1 1.2, b 0.75) over the same chunks, with the same
 * tokenizer as ours (Porter2 stems, stop words removed, CJK segmented) so that the comparison
 * measures ranking, fusion, typo handling and synonyms, not tokenization.
 */
export function createBm25(chunks: BaselineChunk[]) {
  const engine = bm25()
  engine.defineConfig({
    fldWeights: { title: 1, heading: 1, body: 1 },
    bm25Params: { k1: 1.2, b: 0.75, k: 1 },
  })
  engine.definePrepTasks([(s: unknown) => analyze(String(s)).map((t) => t.stem)])
  for (const c of chunks) engine.addDoc({ title: c.title, heading: c.heading, body: c.text }, c.id)
  engine.consolidate()
  const byId = new Map(chunks.map((c) => [String(c.id), c]))
  return {
    search(query: string, k: number): BaselineChunk[] {
      return engine
        .search(query, k)
        .map(([id]) => byId.get(String(id)))
        .filter((c): c is BaselineChunk => c !== undefined)
    },
  }
}

/** Every chunk of an index, as the baseline sees it. */
export async function indexedChunks(db: Db): Promise<BaselineChunk[]> {
  const rows = await queryRows<{ id: number; path: string; title: string; heading: string[]; text: string }>(
    db,
    sql`SELECT c.id, d.source_path AS path, d.title, c.heading_path AS heading, c.text
        FROM chunks c JOIN documents d ON d.id = c.document_id`,
    'read all chunks',
  )
  return rows.map((r) => ({ ...r, heading: r.heading.join(' ') }))
}

/**
 * The baseline's top 10 for each dev-set question. A follow-up is searched with the questions
 * before it appended, the plain way to give BM25 the conversation.
 */
export function baselineResults(chunks: BaselineChunk[], questions: DevQuestion[]) {
  const bm = createBm25(chunks)
  const byId = new Map(questions.map((q) => [q.id, q]))
  return questions.map((q) => {
    const history = historyOf(q, byId, new Map())
      .filter((t) => t.role === 'user')
      .map((t) => t.content)
    const retrieved = bm
      .search([q.question, ...history].join(' '), 10)
      .map((c) => ({ path: c.path, text: c.text }))
    return { q, retrieved }
  })
}
