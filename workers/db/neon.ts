import { neonConfig, Pool, type PoolClient } from '@neondatabase/serverless'
import { drizzle } from 'drizzle-orm/neon-serverless'
import type { Database, Db } from './client'
import * as schema from './schema'

/** Options of the production driver. */
export interface NeonOptions {
  /** `postgres://…` connection string (Neon, or any Postgres behind a Neon WebSocket proxy). */
  connectionString: string
  /**
   * A local WebSocket-to-TCP proxy (`host:port`) speaking Neon's `/v2?address=` form, for Postgres
   * that is not on Neon (the embedded endpoint, CI). Unset for Neon itself.
   */
  wsProxy?: string
  /** Statements outside a transaction as one HTTP request each (default true). */
  httpQueries?: boolean
  /**
   * One connection for the whole invocation, opened at the first statement: for work that runs
   * many statements in a row (a queue job, the cron), where one WebSocket beats a request each.
   */
  session?: boolean
}

/**
 * Opens Postgres through `@neondatabase/serverless` (WebSocket Pool, so transactions work) with
 * drizzle. With `wsProxy` the driver talks plain WebSocket to a local proxy instead of Neon's edge.
 */
export function openNeon(options: NeonOptions): Database & { pool: Pool } {
  // A statement outside a transaction is one HTTP request (`Pool.query` over fetch): no WebSocket
  // and no Postgres start-up for an invocation that needs only that, such as a webhook's
  // acknowledgement. Transactions check out a client, which still connects over the WebSocket.
  neonConfig.poolQueryViaFetch = options.httpQueries ?? true
  if (options.wsProxy) {
    const proxy = options.wsProxy
    neonConfig.fetchEndpoint = () => `http://${proxy}/sql`
    neonConfig.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`
    neonConfig.useSecureWebSocket = false
    neonConfig.pipelineTLS = false
    // Password pipelining breaks SCRAM against a plain Postgres.
    neonConfig.pipelineConnect = false
  }
  const pool = new Pool({ connectionString: options.connectionString })
  if (!options.session) {
    const db = drizzle({ client: pool, schema }) as unknown as Db
    return { db, pool, kind: 'neon', maintain: async () => {}, close: () => pool.end() }
  }
  // drizzle runs statements (and BEGIN…COMMIT for transactions) on whatever has `query`: here the
  // one client checked out on first use.
  let client: Promise<PoolClient> | undefined
  const session = {
    query: async (...args: unknown[]) => {
      client ??= pool.connect()
      const c = await client
      return (c.query as (...a: unknown[]) => unknown)(...args)
    },
  }
  const db = drizzle({ client: session as unknown as Pool, schema }) as unknown as Db
  return {
    db,
    pool,
    kind: 'neon',
    maintain: async () => {},
    close: async () => {
      if (client) (await client.catch(() => undefined))?.release()
      await pool.end()
    },
  }
}
