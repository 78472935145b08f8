import { neonConfig, Pool } from '@neondatabase/serverless'
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
}

/**
 * Opens Postgres through `@neondatabase/serverless` (WebSocket Pool, so transactions work) with
 * drizzle. With `wsProxy` the driver talks plain WebSocket to a local proxy instead of Neon's edge.
 */
export function openNeon(options: NeonOptions): Database & { pool: Pool } {
  // A statement outside a transaction is one HTTP request (`Pool.query` over fetch): no WebSocket
  // and no Postgres start-up for an invocation that needs only that, such as a webhook's
  // acknowledgement. Transactions check out a client, which still connects over the WebSocket.
  neonConfig.poolQueryViaFetch = true
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
  const db = drizzle({ client: pool, schema }) as unknown as Db
  return { db, pool, kind: 'neon', maintain: async () => {}, close: () => pool.end() }
}
