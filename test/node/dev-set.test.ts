import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answer } from '../../workers/answering/answer'
import { queryRows } from '../../workers/db/client'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { ingestBytes } from '../../workers/knowledge/ingest'
import { createBm25 } from '../bench/bm25'
import { abstentionMetrics, type DevQuestion, historyOf, loadDevSet, rankingMetrics } from '../bench/dev-set'

const FIXTURE = fileURLToPath(new URL('../fixtures/handbook/', import.meta.url))

/**
 * Quality floors on the sample handbook's dev set, so a change that makes retrieval or abstention
 * worse fails here. The full figures come from `npm run bench:retrieval`.
 */
describe('quality on the sample handbook', () => {
  let database: Awaited<ReturnType<typeof openPglite>>
  const embedder = createLocalEmbedder()
  const questions = loadDevSet(join(FIXTURE, 'questions.jsonl'))
  const results: { q: DevQuestion; retrieved: { path: string; text: string }[]; abstained: boolean }[] = []

  beforeAll(async () => {
    database = await openPglite()
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
      )
    const root = join(FIXTURE, 'docs')
    for (const file of walk(root)) {
      const path = file
        .slice(root.length + 1)
        .split('\\')
        .join('/')
      await ingestBytes(database.db, embedder, {
        sourceKind: 'file',
        sourcePath: path,
        name: path,
        bytes: new Uint8Array(readFileSync(file)),
        maxBytes: 5e7,
      })
    }
    await database.maintain()
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
    const chunks = await queryRows<{
      id: number
      path: string
      title: string
      heading: string[]
      text: string
    }>(
      database.db,
      sql`SELECT c.id, d.source_path AS path, d.title, c.heading_path AS heading, c.text FROM chunks c JOIN documents d ON d.id = c.document_id`,
      'chunks',
    )
    const bm25 = createBm25(chunks.map((c) => ({ ...c, heading: c.heading.join(' ') })))
    const byId = new Map(questions.map((q) => [q.id, q]))
    const baseline = rankingMetrics(
      questions.map((q) => {
        const history = historyOf(q, byId, new Map())
          .filter((t) => t.role === 'user')
          .map((t) => t.content)
        return {
          q,
          retrieved: bm25
            .search([q.question, ...history].join(' '), 10)
            .map((c) => ({ path: c.path, text: c.text })),
        }
      }),
    )
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

  it('abstains on some unanswerable questions while rarely refusing answerable ones', () => {
    const m = abstentionMetrics(results)
    expect(m.tp).toBeGreaterThanOrEqual(3)
    expect(m.fp).toBeLessThanOrEqual(3)
  })
})
