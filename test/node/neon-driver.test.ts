import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answer } from '../../workers/answering/answer'
import { migrateNeon } from '../../workers/db/migrate-neon'
import { openNeon } from '../../workers/db/neon'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { ingestBytes } from '../../workers/knowledge/ingest'
import { search } from '../../workers/knowledge/search/search'
import { smallHandbookFiles } from '../helpers/corpus'
import { startPgliteEndpoint } from '../helpers/db'

/**
 * The production driver path: @neondatabase/serverless over a WebSocket to a local endpoint
 * (pglite-socket behind Neon's wsproxy protocol), migrated, ingested and searched through it.
 */
describe('the knowledge core through the Neon driver', () => {
  let local: Awaited<ReturnType<typeof startPgliteEndpoint>>
  let neon: ReturnType<typeof openNeon>
  const embedder = createLocalEmbedder()

  beforeAll(async () => {
    local = await startPgliteEndpoint()
    neon = openNeon({ connectionString: local.endpoint.connectionString, wsProxy: local.endpoint.wsProxy })
    await migrateNeon(neon.db)
  })
  afterAll(async () => {
    await neon?.close()
    await local?.close()
  })

  it('ingests (in transactions), re-ingests and answers like the embedded path', async () => {
    for (const f of smallHandbookFiles()) {
      const r = await ingestBytes(neon.db, embedder, {
        sourceKind: 'file',
        sourcePath: f.path,
        name: f.path,
        bytes: f.bytes,
        maxBytes: 1e6,
      })
      expect(r.status).toBe('created')
    }
    const [first] = smallHandbookFiles()
    const again = await ingestBytes(neon.db, embedder, {
      sourceKind: 'file',
      sourcePath: first!.path,
      name: first!.path,
      bytes: new TextEncoder().encode(
        `${new TextDecoder().decode(first!.bytes)}\n## Blackout\nNo leave in the last week of June.\n`,
      ),
      maxBytes: 1e6,
    })
    expect(again).toMatchObject({ status: 'replaced', version: 2 })

    const r = await search(neon.db, embedder, 'reimbursment deadline', { k: 2 })
    expect(r.passages[0]).toMatchObject({ sourcePath: 'money/expenses.md', headingPath: ['Reimbursement'] })
    expect(r.passages[0]?.updatedAt).toBeInstanceOf(Date)
    const a = await answer({ db: neon.db, embedder }, 'Can I take leave in the last week of June?')
    expect(a.citations[0]).toMatchObject({ sourcePath: 'leave/annual-leave.md', headingPath: ['Blackout'] })
  })

  it('frees the endpoint connection when a pool ends, as Postgres does after Terminate', async () => {
    // More pools than the endpoint's 64 connections, one after another: each must be released.
    for (let i = 0; i < 70; i++) {
      const p = openNeon({
        connectionString: local.endpoint.connectionString,
        wsProxy: local.endpoint.wsProxy,
      })
      const client = await p.pool.connect()
      const { rows } = await client.query('select $1::int as n', [i])
      expect(rows[0]).toEqual({ n: i })
      client.release()
      await p.close()
    }
  })

  it('sends a statement outside a transaction as one HTTP query, opening no WebSocket', async () => {
    const p = openNeon({ connectionString: local.endpoint.connectionString, wsProxy: local.endpoint.wsProxy })
    const before = { ...local.endpoint.stats }
    const { rows } = await p.pool.query(
      `select 42::int as n, 'x'::text as t, true as b, '{"a":[1]}'::jsonb as j, now() as at, array['a','b'] as list, null::int as none`,
    )
    expect(rows[0]).toMatchObject({ n: 42, t: 'x', b: true, j: { a: [1] }, list: ['a', 'b'], none: null })
    expect(rows[0]?.at).toBeInstanceOf(Date)
    expect(local.endpoint.stats.sockets - before.sockets).toBe(0)
    expect(local.endpoint.stats.http - before.http).toBe(1)
    // A database error keeps Postgres' fields (callers branch on the code).
    const err = await p.pool
      .query('select 1/0')
      .catch((e: unknown) => e as { code?: string; message?: string })
    expect(err).toMatchObject({ code: '22012', message: expect.stringMatching(/division by zero/) })
    await p.close()
    // POLICYBOT_NEON_HTTP=off: a proxy without the HTTP endpoint gets everything over the socket.
    const ws = openNeon({
      connectionString: local.endpoint.connectionString,
      wsProxy: local.endpoint.wsProxy,
      httpQueries: false,
    })
    const mid = { ...local.endpoint.stats }
    expect((await ws.pool.query('select 7::int as n')).rows[0]).toEqual({ n: 7 })
    expect(local.endpoint.stats.sockets - mid.sockets).toBe(1)
    expect(local.endpoint.stats.http - mid.http).toBe(0)
    await ws.close()
  })

  it('runs a session (a queue job) on one connection: statements and a transaction share one socket', async () => {
    const s = openNeon({
      connectionString: local.endpoint.connectionString,
      wsProxy: local.endpoint.wsProxy,
      session: true,
    })
    const before = { ...local.endpoint.stats }
    for (let i = 0; i < 5; i++) await s.db.execute(sql`select ${i}::int as n`)
    await s.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`)
    })
    expect(local.endpoint.stats.sockets - before.sockets).toBe(1)
    expect(local.endpoint.stats.http - before.http).toBe(0)
    await s.close()
  })
  it("keeps an HTTP statement out of a socket client's open transaction (one shared session)", async () => {
    // pglite-socket serves every connection on PGlite's one session and holds it for a client
    // while that client's transaction is open; a statement over HTTP must wait for it too, or it
    // runs inside that transaction and is rolled back with it after its 200.
    await neon.db.execute(sql`create table if not exists shared_session (v text)`)
    const s = openNeon({
      connectionString: local.endpoint.connectionString,
      wsProxy: local.endpoint.wsProxy,
      session: true,
    })
    const http = openNeon({
      connectionString: local.endpoint.connectionString,
      wsProxy: local.endpoint.wsProxy,
    })
    const tx = await s.pool.connect()
    await tx.query('begin')
    await tx.query(`insert into shared_session values ('socket')`)
    const recorded = http.pool.query(`insert into shared_session values ('http')`)
    await new Promise((r) => setTimeout(r, 100))
    await tx.query('rollback')
    await recorded
    tx.release()
    const { rows } = await http.pool.query('select v from shared_session order by v')
    expect(rows).toEqual([{ v: 'http' }])
    await s.close()
    await http.close()
  })

  it('runs an HTTP batch as one transaction nothing else interleaves with', async () => {
    await neon.db.execute(sql`create table if not exists batch_isolation (v text)`)
    const url = `http://${local.endpoint.wsProxy}/sql`
    const batch = fetch(url, {
      method: 'POST',
      headers: { 'neon-connection-string': local.endpoint.connectionString },
      body: JSON.stringify({
        queries: [
          { query: `insert into batch_isolation values ('batch')` },
          { query: 'select count(*) from generate_series(1, 2000000)' },
          { query: 'select 1/0' },
        ],
      }),
    })
    await new Promise((r) => setTimeout(r, 20))
    const other = openNeon({
      connectionString: local.endpoint.connectionString,
      wsProxy: local.endpoint.wsProxy,
      httpQueries: false,
    })
    await other.pool.query(`insert into batch_isolation values ('socket')`)
    const res = await batch
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ code: '22012' })
    const { rows } = await other.pool.query('select v from batch_isolation')
    expect(rows).toEqual([{ v: 'socket' }])
    await other.close()
  })

  it('answers rowCount and field types as Neon does', async () => {
    const res = await fetch(`http://${local.endpoint.wsProxy}/sql`, {
      method: 'POST',
      headers: { 'neon-connection-string': local.endpoint.connectionString },
      body: JSON.stringify({
        query: 'select g::int as n, $1::text as t from generate_series(1, 3) g',
        params: ['a'],
      }),
    })
    expect(await res.json()).toMatchObject({
      command: 'SELECT',
      rowCount: 3,
      fields: [
        { name: 'n', dataTypeID: 23 },
        { name: 't', dataTypeID: 25 },
      ],
      rows: [
        ['1', 'a'],
        ['2', 'a'],
        ['3', 'a'],
      ],
    })
  })

  it('asks for the password on both paths: a wrong or missing one is refused before the database sees it', async () => {
    const wrong = local.endpoint.connectionString.replace(/:([^:@/]+)@/, ':not-the-password@')
    const http = await fetch(`http://${local.endpoint.wsProxy}/sql`, {
      method: 'POST',
      headers: { 'neon-connection-string': wrong },
      body: JSON.stringify({ query: 'select 1' }),
    })
    expect(http.status).toBe(401)
    expect(await http.json()).toMatchObject({ code: '28P01' })
    const bare = await fetch(`http://${local.endpoint.wsProxy}/sql`, {
      method: 'POST',
      body: JSON.stringify({ query: 'select 1' }),
    })
    expect(bare.status).toBe(401)
    for (const httpQueries of [true, false]) {
      const intruder = openNeon({ connectionString: wrong, wsProxy: local.endpoint.wsProxy, httpQueries })
      await expect(intruder.pool.query('select 1')).rejects.toThrow(/password authentication failed/)
      await intruder.close().catch(() => {})
    }
    // The right password still works, on a socket too.
    const friend = openNeon({
      connectionString: local.endpoint.connectionString,
      wsProxy: local.endpoint.wsProxy,
      httpQueries: false,
    })
    expect((await friend.pool.query('select 1 as one')).rows).toEqual([{ one: 1 }])
    await friend.close()
    // A new password every start, and no database port to go round the proxy.
    expect(local.endpoint.connectionString).toMatch(
      /^postgres:\/\/policybot:[A-Za-z0-9_-]{32}@localhost:5432\//,
    )
  })
})
