import type { IncomingMessage, ServerResponse } from 'node:http'
import { type PGlite, protocol } from '@electric-sql/pglite'
import { constantTimeEqual } from '../../../bots/hmac'

const { serialize } = protocol
type RowDescription = InstanceType<typeof protocol.messages.RowDescriptionMessage>
type DataRow = InstanceType<typeof protocol.messages.DataRowMessage>
type CommandComplete = InstanceType<typeof protocol.messages.CommandCompleteMessage>

/**
 * Neon's HTTP query protocol (`POST /sql`, what `@neondatabase/serverless` sends for one-shot
 * queries) served from PGlite, so the Worker's HTTP path runs unchanged against the embedded
 * database. A body `{ query, params }` runs one statement; `{ queries: [...] }` runs them in one
 * transaction. Values come back as Postgres text (the client parses them by type, as it does
 * Neon's `Neon-Raw-Text-Output`), rows as arrays; a database error is a 400 carrying Postgres'
 * fields (`code`, `detail`, …) as Neon sends them.
 */
type Statement = { query: string; params?: unknown[] }
type Result = {
  command: string | null
  rowCount: number | null
  fields: { name: string; dataTypeID: number }[]
  rows: (string | null)[][]
  rowAsArray: true
}

const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'schema',
  'table',
  'column',
  'constraint',
] as const

/** How long a request waits for a transaction another connection holds open before a 503. */
const WAIT_FOR_SESSION_MS = 10_000
const BUSY = Symbol('busy')

/** Parameters as Postgres text (Neon's client sends strings, or null; anything else is stringified). */
const asText = (v: unknown): string | null =>
  v === null || v === undefined
    ? null
    : typeof v === 'string'
      ? v
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v)

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/**
 * One statement through the extended protocol in one call into PGlite (parse, bind, describe,
 * execute, sync), values left as the text Postgres sent. PGlite's own `query` makes six calls and
 * rebuilds a parser table per query, which was most of an acknowledgement's database time.
 */
async function runStatement(client: PGlite, s: Statement): Promise<Result> {
  // execProtocolStream, not execProtocol: the latter leaves pglite-socket's output callback in
  // place, and the rows would go to whichever socket client spoke last.
  const messages = await client.execProtocolStream(
    concat([
      serialize.parse({ text: s.query }),
      serialize.bind({ values: (s.params ?? []).map(asText) }),
      serialize.describe({ type: 'P' }),
      serialize.execute({}),
      serialize.sync(),
    ]),
    { syncToFs: false },
  )
  const result: Result = { command: null, rowCount: null, fields: [], rows: [], rowAsArray: true }
  for (const m of messages) {
    if (m.name === 'rowDescription')
      result.fields = (m as RowDescription).fields.map((f) => ({
        name: f.name,
        dataTypeID: f.dataTypeID,
      }))
    else if (m.name === 'dataRow') result.rows.push((m as DataRow).fields as (string | null)[])
    else if (m.name === 'commandComplete') {
      const words = (m as CommandComplete).text.split(' ')
      result.command = words[0] ?? null
      const n = Number.parseInt(words[words.length - 1] ?? '', 10)
      result.rowCount = Number.isNaN(n) ? null : n
    }
  }
  return result
}

/**
 * Runs `fn` with PGlite's one session to itself. pglite-socket serves every connection on that
 * session and keeps it for a client while the client's transaction is open; a request here waits
 * for such a transaction to end instead of running inside it (and being rolled back with it).
 */
async function exclusive<T>(client: PGlite, fn: () => Promise<T>): Promise<T | typeof BUSY> {
  const until = Date.now() + WAIT_FOR_SESSION_MS
  for (;;) {
    const r = await client.runExclusive(async () => (client.isInTransaction() ? BUSY : await fn()))
    if (r !== BUSY || Date.now() > until) return r
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

export function sqlOverHttp(client: PGlite, credentials?: { user: string; password: string }) {
  const simple = (text: string) => client.execProtocolStream(serialize.query(text), { syncToFs: false })
  return (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(json))
    }
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/sql')
      return send(404, { message: 'only POST /sql is served here' })
    // Neon's HTTP queries carry the whole connection string, password included, in a header.
    if (credentials && !passwordMatches(req.headers['neon-connection-string'], credentials)) {
      req.resume()
      return send(401, {
        message: `password authentication failed for user "${credentials.user}"`,
        code: '28P01',
        severity: 'FATAL',
      })
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      let body: Statement & { queries?: Statement[] }
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        return send(400, { message: 'the body is not JSON' })
      }
      const queries = body.queries
      if (!Array.isArray(queries) && typeof body.query !== 'string')
        return send(400, { message: 'no query in the body' })
      try {
        const out = await exclusive(client, async () => {
          if (!Array.isArray(queries)) return runStatement(client, body)
          // A batch is one transaction, run without letting go of the session.
          await simple('BEGIN')
          try {
            const results = []
            for (const q of queries) results.push(await runStatement(client, q))
            await simple('COMMIT')
            return { results }
          } catch (e) {
            await simple('ROLLBACK')
            throw e
          }
        })
        if (out === BUSY)
          return send(503, {
            message: `the database session was held by another connection's transaction for over ${WAIT_FOR_SESSION_MS / 1000} s`,
          })
        await client.syncToFs()
        return send(200, out)
      } catch (e) {
        const err = e as Record<string, unknown> & { message?: string }
        return send(400, {
          message: err.message ?? String(e),
          ...Object.fromEntries(ERROR_FIELDS.filter((f) => err[f] !== undefined).map((f) => [f, err[f]])),
        })
      }
    })
  }
}

/** Whether a `postgres://user:password@…` string names these credentials (compared in constant time). */
function passwordMatches(
  header: string | string[] | undefined,
  expected: { user: string; password: string },
) {
  if (typeof header !== 'string') return false
  let url: URL
  try {
    url = new URL(header)
  } catch {
    return false
  }
  return (
    constantTimeEqual(decodeURIComponent(url.username), expected.user) &&
    constantTimeEqual(decodeURIComponent(url.password), expected.password)
  )
}
