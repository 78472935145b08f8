import { sql } from 'drizzle-orm'
import { type Db, queryRows } from '../db/client'
import { toTextArray } from './search/plan'
import { searchFields } from './store'

/**
 * The version of the text analysis behind the full-text index (fields, CJK segmentation). When
 * it changes, stored chunks are re-analysed once: their vectors stay, only the lexical side moves.
 * v2: body and context fields; CJK character bigrams.
 */
export const ANALYSIS_VERSION = 2

/**
 * Brings the full-text index of an existing database up to ANALYSIS_VERSION: every chunk's
 * search fields are re-derived in batches, then the vocabulary and corpus totals are recounted.
 * A no-op (one query) when it is current. Returns the number of chunks re-analysed.
 */
export async function refreshLexicalIndex(db: Db, batchSize = 500): Promise<number> {
  const [row] = await queryRows<{ v: number | null }>(
    db,
    sql`SELECT (value->>'version')::int AS v FROM settings WHERE key = 'analysis'`,
    'read analysis version',
  )
  if (row?.v === ANALYSIS_VERSION) return 0
  let done = 0
  let after = 0
  for (;;) {
    const batch = await queryRows<{ id: number; title: string; heading_path: string[]; text: string }>(
      db,
      sql`SELECT c.id, d.title, c.heading_path, c.text FROM chunks c JOIN documents d ON d.id = c.document_id
          WHERE c.id > ${after} ORDER BY c.id LIMIT ${batchSize}`,
      'read chunks to re-analyse',
    )
    if (batch.length === 0) break
    const ids: string[] = []
    const bodies: string[] = []
    const contexts: string[] = []
    for (const r of batch) {
      const f = searchFields(r.title, r.heading_path, r.text)
      ids.push(String(r.id))
      bodies.push(f.body)
      contexts.push(f.context)
    }
    await queryRows(
      db,
      sql`UPDATE chunks c SET search_text = u.body, context_text = u.context
          FROM unnest(${`{${ids.join(',')}}`}::int[], ${toTextArray(bodies)}::text[], ${toTextArray(contexts)}::text[]) AS u(id, body, context)
          WHERE c.id = u.id`,
      're-analyse chunks',
    )
    done += batch.length
    after = batch.at(-1)?.id ?? after
  }
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db
    await queryRows(t, sql`DELETE FROM terms`, 'recount vocabulary')
    await queryRows(
      t,
      sql`INSERT INTO terms (term, df)
          SELECT t, count(*)::int FROM chunks, unnest(tsvector_to_array(tsv || context_tsv)) AS t GROUP BY t`,
      'recount vocabulary',
    )
    await queryRows(
      t,
      sql`INSERT INTO settings (key, value)
          SELECT 'corpus', jsonb_build_object('chunks', count(*), 'length', coalesce(sum(length(tsv)), 0)) FROM chunks
          ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
      'recount corpus',
    )
    await queryRows(
      t,
      sql`INSERT INTO settings (key, value) VALUES ('analysis', ${JSON.stringify({ version: ANALYSIS_VERSION })}::jsonb)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
      'record analysis version',
    )
  })
  return done
}
