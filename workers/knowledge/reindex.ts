import { sql } from 'drizzle-orm'
import { type Db, queryRows } from '../db/client'
import type { Embedder } from './embed/types'
import { ensureEmbedder, passageText, vectorIndexName } from './store'

/**
 * Re-embeds every chunk not written by `embedder` (after a change of embedding model), in
 * batches, each batch in its own transaction; queries only ever compare vectors of one embedder,
 * so a half-finished reindex degrades recall of the vector channel, never correctness. Indexes
 * of embedders no chunk uses any more are dropped. Returns the number of chunks re-embedded.
 */
export async function reindex(
  db: Db,
  embedder: Embedder,
  onProgress?: (done: number, total: number) => void,
  batchSize = 128,
): Promise<number> {
  const embedderId = await ensureEmbedder(db, embedder)
  const [count] = await queryRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM chunks WHERE embedder_id IS DISTINCT FROM ${embedderId}`,
    'count chunks to reindex',
  )
  const total = count?.n ?? 0
  let done = 0
  while (done < total) {
    const batch = await queryRows<{ id: number; title: string; heading_path: string[]; text: string }>(
      db,
      sql`SELECT c.id, d.title, c.heading_path, c.text FROM chunks c JOIN documents d ON d.id = c.document_id
          WHERE c.embedder_id IS DISTINCT FROM ${embedderId} ORDER BY c.id LIMIT ${batchSize}`,
      'read chunks to reindex',
    )
    if (batch.length === 0) break
    const vectors = await embedder.embed(
      batch.map((r) => passageText(r.title, r.heading_path, r.text)),
      'passage',
    )
    await db.transaction(async (tx) => {
      for (const [i, r] of batch.entries()) {
        await tx.execute(
          sql`UPDATE chunks SET embedding = ${`[${(vectors[i] ?? []).join(',')}]`}::vector, embedder_id = ${embedderId} WHERE id = ${r.id}`,
        )
      }
    })
    done += batch.length
    onProgress?.(done, total)
  }
  const unused = await queryRows<{ id: number }>(
    db,
    sql`SELECT e.id FROM embedders e WHERE e.id <> ${embedderId} AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.embedder_id = e.id)`,
    'find unused embedders',
  )
  for (const u of unused)
    await queryRows(db, sql.raw(`DROP INDEX IF EXISTS ${vectorIndexName(u.id)}`), 'drop index')
  return done
}
