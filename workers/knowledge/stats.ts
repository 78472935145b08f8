import { sql } from 'drizzle-orm'
import { type Db, queryRows } from '../db/client'

export interface IndexStats {
  documents: number
  chunks: number
  terms: number
  byFormat: Record<string, number>
  byLanguage: Record<string, number>
  embedders: { key: string; dimensions: number; chunks: number }[]
  lastIngested: string | null
  recentErrors: { sourcePath: string; code: string; message: string; at: string }[]
}

/** What the index holds: documents, chunks, per format and language, per embedder, recent failures. */
export async function indexStats(db: Db): Promise<IndexStats> {
  const [totals] = await queryRows<{ documents: number; chunks: number; terms: number; last: string | null }>(
    db,
    sql`SELECT (SELECT count(*)::int FROM documents WHERE deleted_at IS NULL) AS documents,
               (SELECT count(*)::int FROM chunks) AS chunks,
               (SELECT count(*)::int FROM terms) AS terms,
               (SELECT max(ingested_at)::text FROM documents) AS last`,
    'read totals',
  )
  const groups = await queryRows<{ kind: string; key: string; n: number }>(
    db,
    sql`SELECT 'format' AS kind, format AS key, count(*)::int AS n FROM documents WHERE deleted_at IS NULL GROUP BY format
        UNION ALL
        SELECT 'language', language, count(*)::int FROM documents WHERE deleted_at IS NULL GROUP BY language`,
    'read groups',
  )
  const embedders = await queryRows<{ key: string; dimensions: number; chunks: number }>(
    db,
    sql`SELECT e.key, e.dimensions, count(c.id)::int AS chunks FROM embedders e
        LEFT JOIN chunks c ON c.embedder_id = e.id GROUP BY e.id ORDER BY e.id`,
    'read embedders',
  )
  const errors = await queryRows<{ source_path: string; code: string; message: string; at: string }>(
    db,
    sql`SELECT source_path, code, message, at::text FROM ingest_errors ORDER BY id DESC LIMIT 10`,
    'read ingest errors',
  )
  const pick = (kind: string) =>
    Object.fromEntries(groups.filter((g) => g.kind === kind).map((g) => [g.key, g.n]))
  return {
    documents: totals?.documents ?? 0,
    chunks: totals?.chunks ?? 0,
    terms: totals?.terms ?? 0,
    byFormat: pick('format'),
    byLanguage: pick('language'),
    embedders,
    lastIngested: totals?.last ?? null,
    recentErrors: errors.map((e) => ({
      sourcePath: e.source_path,
      code: e.code,
      message: e.message,
      at: e.at,
    })),
  }
}
