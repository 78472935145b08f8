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
 * loopback TCP port (pglite-socket) behind a WebSocket proxy, so code written for Neon (the Worker
 * under `wrangler dev`, tests of the production path) runs unchanged against the embedded database.
 * pglite-socket shares one session among connections and ignores the database name.
 */
export async function startLocalEndpoint(client: PGlite, port = 0): Promise<LocalEndpoint> {
  const server = new PGLiteSocketServer({
    db: client,
    host: '127.0.0.1',
    port,
    // Each Worker invocation opens its own connection; the proxy closes it on Terminate.
    maxConnections: 64,
  })
  await server.start()
  const conn = server.getServerConn() // host:port
  const proxy = await startWsProxy(0, sqlOverHttp(client))
  return {
    connectionString: `postgres://postgres:postgres@${conn}/postgres`,
    wsProxy: proxy.address,
    stats: proxy.stats,
    async close() {
      await proxy.close()
      await server.stop()
    },
  }
}
