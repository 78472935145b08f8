import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queryRows } from '../../workers/db/client'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import type { Embedder } from '../../workers/knowledge/embed/types'
import { ingestBytes } from '../../workers/knowledge/ingest'
import { deleteDocument } from '../../workers/knowledge/store'

const enc = (s: string) => new TextEncoder().encode(s)
const v1 =
  '# Leave\n\n## Vacation\nYou get 20 days of vacation.\n\n## Sick leave\nTell your manager before 10:00.\n'
const v2 =
  '# Leave\n\n## Vacation\nYou get 22 days of vacation.\n\n## Sick leave\nTell your manager before 10:00.\n\n## Jury duty\nJury duty is paid.\n'

describe('storing documents (embedded Postgres)', () => {
  let database: Awaited<ReturnType<typeof openPglite>>
  const embedder = createLocalEmbedder()
  const ingest = (text: string, e: Embedder = embedder) =>
    ingestBytes(database.db, e, {
      sourceKind: 'file',
      sourcePath: 'leave.md',
      name: 'leave.md',
      bytes: enc(text),
      maxBytes: 1e6,
    })
  const rows = <T>(q: ReturnType<typeof sql>) => queryRows<T>(database.db, q, 'test')
  const liveChunks = () =>
    rows<{ text: string; version: number }>(
      sql`SELECT c.text, d.version FROM chunks c JOIN documents d ON d.id = c.document_id WHERE d.source_path = 'leave.md' ORDER BY c.ordinal`,
    )

  beforeAll(async () => {
    database = await openPglite()
  })
  afterAll(async () => {
    await database?.close()
  })

  it('creates a document with its chunks, embeddings and term statistics', async () => {
    const r = await ingest(v1)
    expect(r).toMatchObject({ status: 'created', version: 1, chunks: 2, title: 'Leave', sections: 2 })
    const [c] = await rows<{ n: number; embedded: number }>(
      sql`SELECT count(*)::int AS n, count(embedding)::int AS embedded FROM chunks`,
    )
    expect(c).toEqual({ n: 2, embedded: 2 })
    const [t] = await rows<{ df: number }>(sql`SELECT df FROM terms WHERE term = 'vacat'`)
    expect(t?.df).toBe(1)
  })

  it('treats the same content as a no-op', async () => {
    const r = await ingest(v1)
    expect(r).toMatchObject({ status: 'unchanged', version: 1, chunks: 2 })
    expect(await liveChunks()).toHaveLength(2)
  })

  it('replaces the previous version: new chunks only, old row retired, statistics moved', async () => {
    const r = await ingest(v2)
    expect(r).toMatchObject({ status: 'replaced', version: 2, replacedVersion: 1, chunks: 3 })
    expect((await liveChunks()).map((c) => [c.version, c.text])).toEqual([
      [2, 'You get 22 days of vacation.'],
      [2, 'Tell your manager before 10:00.'],
      [2, 'Jury duty is paid.'],
    ])
    const docs = await rows<{ version: number; deleted: boolean }>(
      sql`SELECT version, deleted_at IS NOT NULL AS deleted FROM documents WHERE source_path = 'leave.md' ORDER BY version`,
    )
    expect(docs).toEqual([
      { version: 1, deleted: true },
      { version: 2, deleted: false },
    ])
    const terms = await rows<{ term: string; df: number }>(
      sql`SELECT term, df FROM terms WHERE term IN ('20', '22', 'juri', 'vacat') ORDER BY term`,
    )
    expect(terms).toEqual([
      { term: '22', df: 1 },
      { term: 'juri', df: 1 },
      { term: 'vacat', df: 1 },
    ])
  })

  it('leaves the old version intact when a replacement fails half-way', async () => {
    // The third chunk's vector has the wrong shape, so the insert fails inside the transaction.
    const broken: Embedder = {
      key: embedder.key,
      dimensions: embedder.dimensions,
      embed: async (texts, purpose) => {
        const out = await embedder.embed(texts, purpose)
        return out.map((v, i) => (i === 2 ? [Number.NaN] : v))
      },
    }
    await expect(ingest(v2.replace('22 days', '30 days'), broken)).rejects.toThrow()
    expect((await liveChunks()).map((c) => [c.version, c.text])[0]).toEqual([
      2,
      'You get 22 days of vacation.',
    ])
    const [live] = await rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM documents WHERE source_path = 'leave.md' AND deleted_at IS NULL`,
    )
    expect(live?.n).toBe(1)
  })

  it('deletes a document from retrieval and from the statistics', async () => {
    expect(await deleteDocument(database.db, 'file', 'leave.md')).toBe(true)
    expect(await liveChunks()).toEqual([])
    expect(await rows(sql`SELECT term FROM terms WHERE term = 'juri'`)).toEqual([])
    expect(await deleteDocument(database.db, 'file', 'leave.md')).toBe(false)
  })
})
