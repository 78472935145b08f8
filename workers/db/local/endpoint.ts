import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { sqlOverHttp } from './sql-over-http'
import { startWsProxy } from './ws-proxy'

/** The embedded database served over the network for the production driver. */
export interface LocalEndpoint {
  /** Connection string for `@neondatabase/serverless`. */
  readonly connectionString: string
  /** Value for the driver's `wsProxy` option. */
  readonly wsProxy: string
  /** WebSocket connections and HTTP queries served so far. */
  readonly stats: { sockets: number; http: number }
  close(): Promise<void>
}

/**
 * Serves a PGlite database as a local Neon-compatible endpoint: the Postgres wire protocol on a
 * private Unix socket (pglite-socket) behind a WebSocket proxy that checks a password, so code written for Neon (the Worker
 * under `wrangler dev`, tests of the production path) runs unchanged against the embedded database.
 * pglite-socket shares one session among connections and ignores the database name.
 */
export async function startLocalEndpoint(client: PGlite): Promise<LocalEndpoint> {
  // The database listens on a Unix socket in a directory only this user can enter, so the only
  // way in is the proxy, which asks for the password: a new random one at every start.
  const dir = mkdtempSync(join(tmpdir(), 'policybot-db-'))
  chmodSync(dir, 0o700)
  const socketPath = join(dir, '.s.PGSQL.5432')
  const server = new PGLiteSocketServer({
    db: client,
    path: socketPath,
    // Each Worker invocation opens its own connection; the proxy closes it on Terminate.
    maxConnections: 64,
  })
  await server.start()
  const credentials = { user: 'policybot', password: randomBytes(24).toString('base64url') }
  const proxy = await startWsProxy(0, sqlOverHttp(client, credentials), { socketPath, credentials })
  return {
    // The host and port only name the database to the driver: the proxy serves the socket above.
    connectionString: `postgres://${credentials.user}:${credentials.password}@localhost:5432/postgres`,
    wsProxy: proxy.address,
    stats: proxy.stats,
    async close() {
      await proxy.close()
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
