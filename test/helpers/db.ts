import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import type { Db } from '../../workers/db/client'
import { type LocalEndpoint, startLocalEndpoint } from '../../workers/db/local/endpoint'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import type { Embedder } from '../../workers/knowledge/embed/types'
import { ingestBytes } from '../../workers/knowledge/ingest'

/** Stores files (source path and bytes) as the CLI would, with a 50 MB limit. */
export async function ingestFiles(db: Db, embedder: Embedder, files: { path: string; bytes: Uint8Array }[]) {
  for (const f of files) {
    await ingestBytes(db, embedder, {
      sourceKind: 'file',
      sourcePath: f.path,
      name: f.path,
      bytes: f.bytes,
      maxBytes: 50 * 2 ** 20,
    })
  }
}

/** Every file under a directory, with its path relative to it (`/` separators). */
export function filesUnder(root: string): { path: string; bytes: Uint8Array }[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    )
  return walk(root).map((file) => ({
    path: file
      .slice(root.length + 1)
      .split('\\')
      .join('/'),
    bytes: new Uint8Array(readFileSync(file)),
  }))
}

/** An in-memory embedded database with the given files ingested by the local embedder. */
export async function openIndexedDb(
  files: { path: string; bytes: Uint8Array }[],
  embedder: Embedder = createLocalEmbedder(),
) {
  const database = await openPglite()
  await ingestFiles(database.db, embedder, files)
  await database.maintain()
  return { database, embedder }
}

/** A fresh in-memory PGlite (pgvector, pg_trgm) served as a local Neon-compatible endpoint. */
export async function startPgliteEndpoint(): Promise<{
  pglite: PGlite
  endpoint: LocalEndpoint
  close(): Promise<void>
}> {
  const { PGlite } = await import('@electric-sql/pglite')
  const { vector } = await import('@electric-sql/pglite-pgvector')
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm')
  const pglite = await PGlite.create({ extensions: { vector, pg_trgm } })
  const endpoint = await startLocalEndpoint(pglite)
  return {
    pglite,
    endpoint,
    async close() {
      await endpoint.close()
      await pglite.close()
    },
  }
}
