import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { vector } from '@electric-sql/pglite-pgvector'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import { PolicybotError } from '../errors'
import { refreshLexicalIndex } from '../knowledge/lexical-index'
import { installResources } from '../knowledge/resources/install'
import type { Database, Db } from './client'
import { MIGRATIONS_FOLDER } from './migrations-folder'
import * as schema from './schema'

/** Options of the embedded database. */
export interface PgliteOptions {
  /** Data directory; the database lives in `<dir>/pglite`. Omit for an in-memory database. */
  dataDir?: string
}

/**
 * Opens the embedded database (PGlite with pgvector and pg_trgm), applies pending migrations and
 * takes the data directory's lock: PGlite is single-process, and two processes writing one
 * directory corrupt it, so a second opener gets `DATA_DIR_LOCKED` naming the holder.
 */
export async function openPglite(options: PgliteOptions = {}): Promise<Database & { client: PGlite }> {
  const release = options.dataDir ? lockDataDir(options.dataDir) : () => {}
  try {
    const client = await PGlite.create({
      ...(options.dataDir ? { dataDir: join(options.dataDir, 'pglite') } : {}),
      extensions: { vector, pg_trgm },
    })
    const db = drizzle({ client, schema }) as unknown as Db
    await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS_FOLDER })
    await installResources(db)
    await refreshLexicalIndex(db)
    // Recall over speed on the approximate index: the result lists are short (k ≤ 100).
    await client.exec('SET hnsw.ef_search = 100')
    return {
      db,
      client,
      kind: 'pglite',
      async maintain() {
        await client.exec('VACUUM ANALYZE chunks, terms, documents')
      },
      async close() {
        try {
          await client.close()
        } finally {
          release()
        }
      },
    }
  } catch (e) {
    release()
    throw e
  }
}

function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true })
  const lock = join(dir, 'lock')
  try {
    writeFileSync(lock, String(process.pid), { flag: 'wx' })
  } catch {
    const holder = Number.parseInt(readFileSync(lock, 'utf8'), 10)
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
      throw new PolicybotError(
        'DATA_DIR_LOCKED',
        `The data directory ${dir} is in use by process ${holder}; stop it or use another --data directory.`,
      )
    }
    writeFileSync(lock, String(process.pid)) // stale lock of a dead process
  }
  return () => rmSync(lock, { force: true })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
