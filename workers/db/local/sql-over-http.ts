import type { IncomingMessage, ServerResponse } from 'node:http'
import type { PGlite, Results } from '@electric-sql/pglite'

/**
 * Neon's HTTP query protocol (`POST /sql`, what `@neondatabase/serverless` sends for one-shot
 * queries) served from PGlite, so the Worker's HTTP path runs unchanged against the embedded
 * database. A body `{ query, params }` runs one statement; `{ queries: [...] }` runs them in one
 * transaction. Values come back as Postgres text (the client parses them by type, as it does
 * Neon's `Neon-Raw-Text-Output`), rows as arrays; a database error is a 400 carrying Postgres'
 * fields (`code`, `detail`, …) as Neon sends them.
 */
type Statement = { query: string; params?: unknown[] }

/** Parsers that keep every type (read from `pg_type`, arrays included) as the text Postgres sent. */
async function rawParsers(client: PGlite): Promise<Record<number, (t: string) => unknown>> {
  const { rows } = await client.query<{ oid: number }>('SELECT oid::int AS oid FROM pg_type')
  return Object.fromEntries(rows.map((r) => [r.oid, (text: string) => text]))
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

function resultOf(r: Results<unknown[]>) {
  return {
    command: (r as { command?: string }).command ?? null,
    rowCount: r.affectedRows ?? r.rows.length,
    fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    rows: r.rows,
    rowAsArray: true,
  }
}

export function sqlOverHttp(client: PGlite) {
  let parsers: Promise<Record<number, (t: string) => unknown>> | undefined
  const run = async (tx: Pick<PGlite, 'query'>, s: Statement, raw: Record<number, (t: string) => unknown>) =>
    resultOf(await tx.query<unknown[]>(s.query, s.params ?? [], { rowMode: 'array', parsers: raw }))
  return (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(json))
    }
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/sql')
      return send(404, { message: 'only POST /sql is served here' })
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      let body: Statement & { queries?: Statement[] }
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        return send(400, { message: 'the body is not JSON' })
      }
      try {
        // Read before any transaction: PGlite runs one query at a time.
        parsers ??= rawParsers(client)
        const raw = await parsers
        if (Array.isArray(body.queries)) {
          const queries = body.queries
          const results = await client.transaction(async (tx) => {
            const out = []
            for (const q of queries) out.push(await run(tx, q, raw))
            return out
          })
          return send(200, { results })
        }
        if (typeof body.query !== 'string') return send(400, { message: 'no query in the body' })
        return send(200, await run(client, body, raw))
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
