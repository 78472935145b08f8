import { and, eq, isNull, sql } from 'drizzle-orm'
import { withdrawApprovedFor } from '../approved/withdraw'
import { appendAudit, documentSubject, SYSTEM_ACTOR } from '../audit/log'
import { type Db, queryRows } from '../db/client'
import { chunks, documents, embedders } from '../db/schema'
import { PolicybotError } from '../errors'
import type { Chunk } from './chunk'
import type { Embedder } from './embed/types'
import type { ParsedDocument } from './parse'
import { normalizeAcronyms } from './text/analyze'
import { segmentForSearch } from './text/segment'

/** A parsed and chunked document, ready to be stored under its source identity. */
export interface StoreInput {
  sourceKind: string
  sourcePath: string
  doc: ParsedDocument
  chunks: Chunk[]
  contentHash: string
  /** When the source changed; defaults to the parsed document's own date, else now. */
  updatedAt?: Date
  /** Who is changing the index, for the audit log (without it: `system`, and no document row). */
  audit?: DocumentAudit
}

/**
 * Who changes a document, for the audit log. The change (`upload`, `replace`, `delete`) is logged
 * in the transaction that makes it, unless `logDocument` is false: a wiki sync logs one row per
 * run instead. Approved answers withdrawn by the change are logged either way.
 */
export interface DocumentAudit {
  actor: string
  logDocument?: boolean
  /** Added to the document row's detail (e.g. the file name a person uploaded). */
  detail?: Record<string, unknown>
}

export interface StoreResult {
  status: 'created' | 'replaced' | 'unchanged'
  documentId: number
  version: number
  chunks: number
  /** The version this one replaced, when `replaced`. */
  replacedVersion?: number
}

/** The text an embedder sees for a chunk: where it sits, then what it says. */
export function passageText(title: string, headingPath: readonly string[], text: string): string {
  return [title, headingPath.join(' › '), text].filter(Boolean).join('\n')
}

/**
 * What the full-text index sees of a chunk, CJK segmented: `body` is the nearest heading and the
 * text, `context` the title and the outer headings. Sibling passages share their context, so
 * ranking them on it let a passage that repeats the title's words crowd out the one that answers.
 */
export function searchFields(
  title: string,
  headingPath: readonly string[],
  text: string,
): { body: string; context: string } {
  const field = (s: string) => segmentForSearch(normalizeAcronyms(s))
  return {
    body: field([headingPath.at(-1) ?? '', text].filter(Boolean).join('\n')),
    context: field([title, ...headingPath.slice(0, -1)].filter(Boolean).join('\n')),
  }
}

const embedderIds = new WeakMap<object, Map<string, number>>()

/**
 * The id of an embedder in this database, registering it (and creating its partial HNSW index
 * over `embedding::vector(dims)`) the first time it is seen.
 */
export async function ensureEmbedder(db: Db, embedder: Embedder): Promise<number> {
  const cache = embedderIds.get(db) ?? new Map<string, number>()
  embedderIds.set(db, cache)
  const known = cache.get(embedder.key)
  if (known !== undefined) return known
  await db
    .insert(embedders)
    .values({ key: embedder.key, dimensions: embedder.dimensions })
    .onConflictDoNothing()
  const [row] = await db.select().from(embedders).where(eq(embedders.key, embedder.key))
  if (!row) throw new PolicybotError('DB_ERROR', `Could not register embedder ${embedder.key}`)
  if (row.dimensions !== embedder.dimensions) {
    throw new PolicybotError(
      'EMBEDDER_MISMATCH',
      `Embedder ${embedder.key} is registered with ${row.dimensions} dimensions, not ${embedder.dimensions}.`,
    )
  }
  await ensureVectorIndex(db, row.id, row.dimensions)
  cache.set(embedder.key, row.id)
  return row.id
}

/** Name of an embedder's HNSW index. */
export function vectorIndexName(embedderId: number): string {
  return `chunks_embedding_hnsw_e${embedderId}`
}

/**
 * Creates the embedder's partial HNSW index (cosine) if it is missing. A build over many rows
 * wants the whole graph in memory (`maintenanceWorkMem`, e.g. `1GB`): at 100k chunks the default
 * 64 MB made the build about seven times slower.
 */
export async function ensureVectorIndex(
  db: Db,
  embedderId: number,
  dimensions: number,
  options: { maintenanceWorkMem?: string } = {},
): Promise<void> {
  const id = Math.trunc(embedderId)
  const dims = Math.trunc(dimensions)
  const create = sql.raw(
    `CREATE INDEX IF NOT EXISTS ${vectorIndexName(id)} ON chunks USING hnsw ((embedding::vector(${dims})) vector_cosine_ops) WHERE embedder_id = ${id}`,
  )
  const memory = options.maintenanceWorkMem
  if (!memory) {
    await queryRows(db, create, 'create vector index')
    return
  }
  if (!/^\d+(kB|MB|GB)$/.test(memory))
    throw new PolicybotError('BAD_REQUEST', `Invalid memory size ${memory}`)
  await db.transaction(async (tx) => {
    await tx.execute(sql.raw(`SET LOCAL maintenance_work_mem = '${memory}'`))
    await tx.execute(create)
  })
}

/** Drops an embedder's HNSW index: bulk loads insert first and index after (10× faster). */
export async function dropVectorIndex(db: Db, embedderId: number): Promise<void> {
  await queryRows(
    db,
    sql.raw(`DROP INDEX IF EXISTS ${vectorIndexName(Math.trunc(embedderId))}`),
    'drop vector index',
  )
}

/** The condition selecting the live version of a source. */
function isLive(sourceKind: string, sourcePath: string) {
  return and(
    eq(documents.sourceKind, sourceKind),
    eq(documents.sourcePath, sourcePath),
    isNull(documents.deletedAt),
  )
}

/** The live version of a source, if any; with `lock`, locked for update (inside a transaction). */
export async function liveDocument(db: Db, sourceKind: string, sourcePath: string, lock = false) {
  const query = db.select().from(documents).where(isLive(sourceKind, sourcePath))
  const [row] = lock ? await query.for('update') : await query
  return row
}

/**
 * Stores a document, replacing the live version of the same source in one transaction: the old
 * row is retired and its chunks removed, the new row and chunks inserted, and the term
 * statistics moved, so a reader sees the old version or the new one, never both or neither.
 * The same content (by hash) already stored with the same embedder is a no-op. Embedding happens
 * before the transaction, so a slow embedder never holds locks.
 */
export async function storeDocument(db: Db, embedder: Embedder, input: StoreInput): Promise<StoreResult> {
  const embedderId = await ensureEmbedder(db, embedder)
  const current = await liveDocument(db, input.sourceKind, input.sourcePath)
  if (
    current &&
    current.contentHash === input.contentHash &&
    (await allEmbeddedWith(db, current.id, embedderId))
  ) {
    return {
      status: 'unchanged',
      documentId: current.id,
      version: current.version,
      chunks: await countChunks(db, current.id),
    }
  }
  const { doc } = input
  const vectors = await embedder.embed(
    input.chunks.map((c) => passageText(doc.title, c.headingPath, c.text)),
    'passage',
  )
  return db.transaction(async (tx) => {
    const previous = await liveDocument(tx as unknown as Db, input.sourceKind, input.sourcePath, true)
    const actor = input.audit?.actor ?? SYSTEM_ACTOR
    if (previous) await retireDocument(tx as unknown as Db, previous.id, 'replaced', actor)
    const [created] = await tx
      .insert(documents)
      .values({
        sourceKind: input.sourceKind,
        sourcePath: input.sourcePath,
        title: doc.title,
        url: doc.url ?? null,
        format: doc.format,
        contentHash: input.contentHash,
        version: (previous?.version ?? 0) + 1,
        language: doc.language,
        audience: doc.audience ?? [],
        pageCount: doc.pageCount ?? null,
        metadata: jsonSafe(doc.metadata),
        updatedAt: input.updatedAt ?? doc.updatedAt ?? new Date(),
      })
      .returning({ id: documents.id, version: documents.version })
    if (!created) throw new PolicybotError('DB_ERROR', `Could not store ${input.sourcePath}`)
    const rows = input.chunks.map((c, i) => {
      const fields = searchFields(doc.title, c.headingPath, c.text)
      return {
        documentId: created.id,
        ordinal: c.ordinal,
        headingPath: c.headingPath,
        page: c.page ?? null,
        text: c.text,
        searchText: fields.body,
        contextText: fields.context,
        embedding: vectors[i] ?? null,
        embedderId,
      }
    })
    for (let i = 0; i < rows.length; i += 200) await tx.insert(chunks).values(rows.slice(i, i + 200))
    await addTermStats(tx as unknown as Db, created.id, 1)
    if (input.audit && input.audit.logDocument !== false) {
      await appendAudit(tx as unknown as Db, {
        actor,
        action: previous ? 'replace' : 'upload',
        subject: documentSubject(input.sourceKind, input.sourcePath),
        before: previous?.contentHash ?? null,
        after: input.contentHash,
        detail: {
          documentId: created.id,
          version: created.version,
          title: doc.title,
          format: doc.format,
          chunks: rows.length,
          ...(previous ? { previousId: previous.id, previousTitle: previous.title } : {}),
          ...input.audit.detail,
        },
      })
    }
    return {
      status: previous ? 'replaced' : 'created',
      documentId: created.id,
      version: created.version,
      chunks: rows.length,
      ...(previous ? { replacedVersion: previous.version } : {}),
    } satisfies StoreResult
  })
}

/**
 * Removes a source from retrieval (the document was deleted upstream, or someone removed it): the
 * live row is retired and its chunks deleted, atomically, with its audit row (see
 * `DocumentAudit`). Returns false when there was nothing live to delete.
 */
export async function deleteDocument(
  db: Db,
  sourceKind: string,
  sourcePath: string,
  audit?: DocumentAudit,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const row = await liveDocument(tx as unknown as Db, sourceKind, sourcePath, true)
    if (!row) return false
    const actor = audit?.actor ?? SYSTEM_ACTOR
    await retireDocument(tx as unknown as Db, row.id, 'deleted', actor)
    if (audit && audit.logDocument !== false) {
      await appendAudit(tx as unknown as Db, {
        actor,
        action: 'delete',
        subject: documentSubject(sourceKind, sourcePath),
        before: row.contentHash,
        after: null,
        detail: { documentId: row.id, version: row.version, title: row.title, ...audit.detail },
      })
    }
    return true
  })
}

async function retireDocument(
  db: Db,
  documentId: number,
  why: 'replaced' | 'deleted',
  actor: string,
): Promise<void> {
  // Approved answers quoting this version may no longer be true: withdraw them in the same
  // transaction, so no reader sees the new document alongside an answer approved for the old one.
  await withdrawApprovedFor(db, documentId, `cited document ${why}`, actor)
  await addTermStats(db, documentId, -1)
  await db.delete(chunks).where(eq(chunks.documentId, documentId))
  await db.update(documents).set({ deletedAt: new Date() }).where(eq(documents.id, documentId))
}

/**
 * Adds (+1) or removes (-1) a document's chunks from the vocabulary statistics. A term's
 * frequency counts the chunks whose body or context holds it: a title word is in every chunk of
 * its document, so it weighs little, as it should.
 */
async function addTermStats(db: Db, documentId: number, sign: 1 | -1): Promise<void> {
  if (sign === 1) {
    await queryRows(
      db,
      sql`INSERT INTO terms (term, df)
          SELECT t, count(*)::int FROM chunks, unnest(tsvector_to_array(tsv || context_tsv)) AS t
          WHERE document_id = ${documentId} GROUP BY t
          ON CONFLICT (term) DO UPDATE SET df = terms.df + excluded.df`,
      'update term statistics',
    )
  } else {
    await queryRows(
      db,
      sql`UPDATE terms SET df = terms.df - x.n
          FROM (SELECT t, count(*)::int AS n FROM chunks, unnest(tsvector_to_array(tsv || context_tsv)) AS t
                WHERE document_id = ${documentId} GROUP BY t) AS x
          WHERE terms.term = x.t`,
      'update term statistics',
    )
    await queryRows(db, sql`DELETE FROM terms WHERE df <= 0`, 'update term statistics')
  }
  // Corpus totals for BM25 (chunk count, total length), kept beside the vocabulary.
  await queryRows(
    db,
    sql`INSERT INTO settings (key, value)
        SELECT 'corpus', jsonb_build_object('chunks', ${sign} * count(*), 'length', ${sign} * coalesce(sum(length(tsv)), 0))
        FROM chunks WHERE document_id = ${documentId}
        ON CONFLICT (key) DO UPDATE SET
          value = jsonb_build_object(
            'chunks', (settings.value->>'chunks')::bigint + (excluded.value->>'chunks')::bigint,
            'length', (settings.value->>'length')::bigint + (excluded.value->>'length')::bigint),
          updated_at = now()`,
    'update corpus statistics',
  )
}

async function allEmbeddedWith(db: Db, documentId: number, embedderId: number): Promise<boolean> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM chunks WHERE document_id = ${documentId} AND embedder_id IS DISTINCT FROM ${embedderId}`,
    'check embeddings',
  )
  return (row?.n ?? 0) === 0
}

async function countChunks(db: Db, documentId: number): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM chunks WHERE document_id = ${documentId}`,
    'count chunks',
  )
  return row?.n ?? 0
}

/** Front matter can hold dates and other values JSON cannot round-trip; store it as JSON would. */
function jsonSafe(v: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v)) as Record<string, unknown>
}
