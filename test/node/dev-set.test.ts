import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answer } from '../../workers/answering/answer'
import { type Database, queryRows } from '../../workers/db/client'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { baselineResults, indexedChunks } from '../bench/bm25'
import { abstentionMetrics, type DevQuestion, historyOf, loadDevSet, rankingMetrics } from '../bench/dev-set'
import { filesUnder, openIndexedDb } from '../helpers/db'

const FIXTURE = fileURLToPath(new URL('../fixtures/handbook/', import.meta.url))

/**
 * Quality floors on the sample handbook's dev set, so a change that makes retrieval or abstention
 * worse fails here. The full figures come from `npm run bench:retrieval`.
 */
describe('quality on the sample handbook', () => {
  let database: Database
  const embedder = createLocalEmbedder()
  const questions = loadDevSet(join(FIXTURE, 'questions.jsonl'))
  const results: { q: DevQuestion; retrieved: { path: string; text: string }[]; abstained: boolean }[] = []

  beforeAll(async () => {
    database = (await openIndexedDb(filesUnder(join(FIXTURE, 'docs')))).database
    const byId = new Map(questions.map((q) => [q.id, q]))
    const answers = new Map<string, string>()
    for (const q of questions) {
      const a = await answer({ db: database.db, embedder, k: 10 }, q.question, historyOf(q, byId, answers))
      answers.set(q.id, a.text)
      results.push({
        q,
        retrieved: a.passages.map((p) => ({ path: p.sourcePath, text: p.text })),
        abstained: a.mode === 'abstain',
      })
    }
  }, 180_000)
  afterAll(async () => {
    await database?.close()
  })

  it('ingests every file of the sample handbook, PDF and DOCX included', async () => {
    const rows = await queryRows<{ format: string; n: number }>(
      database.db,
      sql`SELECT format, count(*)::int AS n FROM documents WHERE deleted_at IS NULL GROUP BY format ORDER BY format`,
      'formats',
    )
    expect(rows).toEqual([
      { format: 'docx', n: 1 },
      { format: 'markdown', n: 33 },
      { format: 'pdf', n: 1 },
    ])
  })

  it('finds the answering passage in the top 5 for at least 85% of answerable questions, beating BM25', async () => {
    const hybrid = rankingMetrics(results)
    const baseline = rankingMetrics(baselineResults(await indexedChunks(database.db), questions))
    expect(hybrid.hit5).toBeGreaterThanOrEqual(0.85)
    expect(hybrid.hit1).toBeGreaterThanOrEqual(0.7)
    expect(hybrid.mrr).toBeGreaterThan(baseline.mrr)
    expect(hybrid.hit5).toBeGreaterThan(baseline.hit5)
  })

  it('answers Chinese and misspelt questions from the right passage', () => {
    for (const kind of ['chinese', 'typo']) {
      expect(rankingMetrics(results.filter((r) => r.q.kind === kind)).hit5).toBe(1)
    }
  })

  it('abstains on most unanswerable questions, refusing at most one answerable question in five', () => {
    const m = abstentionMetrics(results)
    expect(m.tp).toBeGreaterThanOrEqual(6)
    expect(m.fp).toBeLessThanOrEqual(15)
  })
})
