import { sql } from 'drizzle-orm'
import {
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core'

/**
 * The one place the database is described. Migrations under `migrations/` are generated from this
 * file by `npm run db:generate` and never edited after they land.
 */

/**
 * A pgvector column without a fixed dimension: each embedder writes its own dimension, and each
 * embedder gets its own partial HNSW index over `embedding::vector(dims)` (see vector-index.ts),
 * so vectors of two embedders are never compared.
 */
const vector = customType<{ data: number[]; driverData: string }>({
  dataType: () => 'vector',
  toDriver: (v) => `[${v.join(',')}]`,
  fromDriver: (v) => JSON.parse(v) as number[],
})

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' })

const tz = { withTimezone: true } as const

/** Every embedder that has written vectors. `key` names model and dimension, e.g. `local-hash-v1:512`. */
export const embedders = pgTable('embedders', {
  id: serial('id').primaryKey(),
  key: text('key').notNull().unique(),
  dimensions: integer('dimensions').notNull(),
  createdAt: timestamp('created_at', tz).notNull().defaultNow(),
})

/**
 * One row per version of a source document. The live version has `deleted_at IS NULL`; replacing a
 * document soft-deletes the old row and inserts a new one in the same transaction, so a reader sees
 * exactly one of them.
 */
export const documents = pgTable(
  'documents',
  {
    id: serial('id').primaryKey(),
    /** Where it came from: `file`, `upload`, `git`, `confluence`, `notion`, … */
    sourceKind: text('source_kind').notNull(),
    /** The source's own identity: a path relative to the ingest root, or a remote page id. */
    sourcePath: text('source_path').notNull(),
    title: text('title').notNull(),
    url: text('url'),
    format: text('format').notNull(),
    contentHash: text('content_hash').notNull(),
    version: integer('version').notNull().default(1),
    language: text('language').notNull().default('und'),
    /** Who may read it; empty means everyone. */
    audience: text('audience').array().notNull().default(sql`'{}'::text[]`),
    pageCount: integer('page_count'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** When the source last changed (front matter, file mtime or the remote's own timestamp). */
    updatedAt: timestamp('updated_at', tz).notNull(),
    ingestedAt: timestamp('ingested_at', tz).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', tz),
  },
  (t) => [
    uniqueIndex('documents_live_source').on(t.sourceKind, t.sourcePath).where(sql`deleted_at IS NULL`),
    index('documents_source').on(t.sourceKind, t.sourcePath),
  ],
)

/** Retrievable passages. `search_text` is the title, heading path and text, segmented for full-text search. */
export const chunks = pgTable(
  'chunks',
  {
    id: serial('id').primaryKey(),
    documentId: integer('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    ordinal: integer('ordinal').notNull(),
    headingPath: text('heading_path').array().notNull(),
    /** First page of the chunk, for paged formats (PDF). */
    page: integer('page'),
    text: text('text').notNull(),
    searchText: text('search_text').notNull(),
    tsv: tsvector('tsv').notNull().generatedAlwaysAs(sql`to_tsvector('english'::regconfig, search_text)`),
    embedding: vector('embedding'),
    embedderId: integer('embedder_id').references(() => embedders.id),
  },
  (t) => [
    index('chunks_document').on(t.documentId, t.ordinal),
    // No GIN pending list: PGlite has no autovacuum to merge it, and an unmerged list makes the
    // planner fall back to sequential scans.
    index('chunks_tsv').using('gin', t.tsv).with({ fastupdate: false }),
    index('chunks_embedder').on(t.embedderId),
  ],
)

/**
 * The vocabulary of the index (full-text lexemes with their chunk frequency): idf weights for
 * ranking and the dictionary for typo correction (trigram index).
 */
export const terms = pgTable(
  'terms',
  {
    term: text('term').primaryKey(),
    df: integer('df').notNull(),
  },
  (t) => [index('terms_trgm').using('gin', t.term.op('gin_trgm_ops')).with({ fastupdate: false })],
)

/** Small key/value state of the index: the active embedder, calibration values. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', tz).notNull().defaultNow(),
})

/** Ingest problems kept for `policybot stats` and the console: file, code, message. */
export const ingestErrors = pgTable('ingest_errors', {
  id: serial('id').primaryKey(),
  sourceKind: text('source_kind').notNull(),
  sourcePath: text('source_path').notNull(),
  code: text('code').notNull(),
  message: text('message').notNull(),
  at: timestamp('at', tz).notNull().defaultNow(),
})
