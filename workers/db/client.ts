import type { SQL } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { PolicybotError } from '../errors'
import type * as schema from './schema'

/** A drizzle database over any of our drivers (PGlite, Neon Pool). Transactions are available on all. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>

/** An open database and how to close it. */
export interface Database {
  readonly db: Db
  readonly kind: 'pglite' | 'neon'
  /**
   * Housekeeping after bulk writes: the embedded database has no autovacuum, so statistics and
   * index maintenance happen here (a no-op where the server does it itself).
   */
  maintain(): Promise<void>
  close(): Promise<void>
}

/**
 * Runs a raw query and returns its rows, whatever the driver's result shape. Driver failures are
 * wrapped in a `DB_ERROR` that names the operation but never the parameter values.
 */
export async function queryRows<T>(db: Db, query: SQL, operation: string): Promise<T[]> {
  try {
    const result = (await db.execute(query)) as unknown as { rows: T[] }
    return result.rows
  } catch (e) {
    throw new PolicybotError('DB_ERROR', `Database error during ${operation}: ${describeDbError(e)}`, {
      cause: e,
    })
  }
}

/** The database's own message of a driver error (drizzle wraps it in `cause`). */
export function describeDbError(e: unknown): string {
  let cur: unknown = e
  for (let i = 0; i < 4 && cur; i++) {
    const c = (cur as { cause?: unknown }).cause
    if (!c) break
    cur = c
  }
  return cur instanceof Error ? cur.message : String(cur)
}
