import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queryRows } from '../../workers/db/client'
import { migrateNeon } from '../../workers/db/migrate-neon'
import { MIGRATIONS_FOLDER } from '../../workers/db/migrations-folder'
import { openNeon } from '../../workers/db/neon'
import { openPglite } from '../../workers/db/pglite'
import { startPgliteEndpoint } from '../helpers/db'

async function schemaFacts(db: Parameters<typeof queryRows>[0]) {
  const extensions = await queryRows<{ extname: string }>(
    db,
    sql`select extname from pg_extension order by extname`,
    'list extensions',
  )
  const tables = await queryRows<{ table_name: string }>(
    db,
    sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    'list tables',
  )
  return { extensions: extensions.map((r) => r.extname), tables: tables.map((r) => r.table_name) }
}

describe('migrations on the embedded database (PGlite)', () => {
  it('create the extensions and every table, and are idempotent on reopen', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'policybot-db-'))
    await (await openPglite({ dataDir })).close()
    const { db, close, client } = await openPglite({ dataDir })
    try {
      const facts = await schemaFacts(db)
      expect(facts.extensions).toEqual(expect.arrayContaining(['pg_trgm', 'vector']))
      expect(facts.tables).toEqual(
        expect.arrayContaining(['chunks', 'documents', 'embedders', 'ingest_errors', 'settings', 'terms']),
      )
      const tsv = await client.query<{ tsv: string }>(
        `select to_tsvector('english', 'Employees accrue vacation days') as tsv`,
      )
      expect(tsv.rows[0]?.tsv).toContain("'vacat'")
    } finally {
      await close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})

describe('migrations through the production driver (Neon, WebSocket proxy to a local endpoint)', () => {
  let local: Awaited<ReturnType<typeof startPgliteEndpoint>>
  beforeAll(async () => {
    local = await startPgliteEndpoint()
  })
  afterAll(async () => {
    await local?.close()
  })

  it('apply the same migrations with the Neon migrator', async () => {
    const neon = openNeon({
      connectionString: local.endpoint.connectionString,
      wsProxy: local.endpoint.wsProxy,
    })
    try {
      await migrateNeon(neon.db)
      await migrateNeon(neon.db) // a second run applies nothing
      const facts = await schemaFacts(neon.db)
      expect(facts.extensions).toEqual(expect.arrayContaining(['pg_trgm', 'vector']))
      expect(facts.tables).toEqual(
        expect.arrayContaining([
          'chunks',
          'documents',
          'embedders',
          'terms',
          'questions',
          'escalations',
          'approved_answers',
          'sync_sources',
          'sync_items',
          'sync_runs',
        ]),
      )
      const applied = await queryRows<{ n: number }>(
        neon.db,
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
        'count migrations',
      )
      // Every migration in the journal, once.
      const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
        entries: unknown[]
      }
      expect(journal.entries.length).toBeGreaterThanOrEqual(6)
      expect(applied[0]?.n).toBe(journal.entries.length)
    } finally {
      await neon.close()
    }
  })
})
