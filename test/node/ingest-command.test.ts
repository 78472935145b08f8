import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ingestCommand } from '../../workers/cli/commands/ingest'
import { loadConfig } from '../../workers/cli/config'
import type { Context } from '../../workers/cli/context'
import { queryRows } from '../../workers/db/client'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { search } from '../../workers/knowledge/search/search'

describe('a large first ingest into the embedded database', () => {
  let dir: string
  let ctx: Context
  const progress: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'policybot-bulk-'))
    mkdirSync(join(dir, 'policies'))
    for (let i = 0; i < 60; i++) {
      writeFileSync(
        join(dir, 'policies', `policy-${i}.md`),
        `# Policy ${i}\n\n## Rule\nRule number ${i} says the office closes at ${(i % 12) + 1} pm on Fridays.\n`,
      )
    }
    writeFileSync(
      join(dir, 'policies', 'parking.md'),
      '# Parking\n\nBicycle parking is in the basement, next to the showers.\n',
    )
    const database = await openPglite()
    ctx = { config: loadConfig({}), database, embedder: createLocalEmbedder(), close: () => database.close() }
  })
  afterAll(async () => {
    await ctx?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('stores every file and leaves the vector index built and used', async () => {
    const summary = await ingestCommand(ctx, [join(dir, 'policies')], {
      result: () => {},
      progress: (m) => progress.push(m),
    })
    expect(summary.failed).toEqual([])
    expect(summary.results).toHaveLength(61)
    const indexes = await queryRows<{ indexname: string }>(
      ctx.database.db,
      sql`SELECT indexname FROM pg_indexes WHERE tablename = 'chunks' AND indexname LIKE 'chunks_embedding_hnsw_%'`,
      'indexes',
    )
    expect(indexes).toHaveLength(1)
    const r = await search(ctx.database.db, ctx.embedder, 'where can I park my bike?', { k: 1 })
    expect(r.passages[0]).toMatchObject({ sourcePath: 'parking.md', similarity: expect.any(Number) })
  })
})
