import { sql } from 'drizzle-orm'
import {
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
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

/** Every embedder that has written vectors. `key` names model and dimension, e.g. `local-hash-v3:512`. */
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

/**
 * Retrievable passages. `search_text` is the nearest heading and the text, `context_text` the
 * document title and the outer headings, both segmented for full-text search: a passage is
 * ranked on what it says, its context only breaks ties (siblings share it).
 */
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
    contextText: text('context_text').notNull().default(''),
    contextTsv: tsvector('context_tsv')
      .notNull()
      .generatedAlwaysAs(sql`to_tsvector('english'::regconfig, context_text)`),
    embedding: vector('embedding'),
    embedderId: integer('embedder_id').references(() => embedders.id),
  },
  (t) => [
    index('chunks_document').on(t.documentId, t.ordinal),
    // No GIN pending list: PGlite has no autovacuum to merge it, and an unmerged list makes the
    // planner fall back to sequential scans.
    index('chunks_tsv').using('gin', t.tsv).with({ fastupdate: false }),
    index('chunks_context_tsv').using('gin', t.contextTsv).with({ fastupdate: false }),
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

/**
 * Language resources built from registry packages on Node and read at question time (the Worker
 * cannot bundle them): one row each, `data` base64, replaced when `version` changes.
 */
export const resources = pgTable('resources', {
  name: text('name').primaryKey(),
  version: text('version').notNull(),
  /** Entries it holds (words of a lexicon). */
  size: integer('size').notNull(),
  data: text('data').notNull(),
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

// ── Conversations on chat platforms (Slack; Teams and DingTalk reuse the same tables) ──────────

/**
 * Every inbound platform event we accepted, keyed so that duplicates collapse: Slack's retries
 * carry the same event id, and one post arrives twice (`message` and `app_mention`) with the same
 * channel and ts. The insert with ON CONFLICT DO NOTHING is the atomic "seen before?" check.
 */
export const inboundEvents = pgTable('inbound_events', {
  key: text('key').primaryKey(),
  platform: text('platform').notNull(),
  receivedAt: timestamp('received_at', tz).notNull().defaultNow(),
})

/**
 * One question asked on a platform: the ledger that makes sure none is lost. `queued` until a job
 * answers it; `failed` (with the error) when retries ran out, which admins see and can retry.
 */
export const questions = pgTable(
  'questions',
  {
    id: serial('id').primaryKey(),
    platform: text('platform').notNull(),
    /** Workspace / tenant. */
    team: text('team').notNull().default(''),
    channel: text('channel').notNull(),
    /** The thread the answer goes to (`thread_ts` in Slack; the post itself when it starts one). */
    threadTs: text('thread_ts').notNull(),
    /** The post that asked. */
    messageTs: text('message_ts').notNull(),
    asker: text('asker').notNull(),
    /** The asker's display name where the platform sends one (Teams, DingTalk). */
    askerName: text('asker_name'),
    text: text('text').notNull(),
    /** How it reached us: mention, dm, thread, command, assistant, web. */
    trigger: text('trigger').notNull(),
    status: text('status').notNull().default('queued'),
    mode: text('mode'),
    answer: text('answer'),
    citations: jsonb('citations'),
    confidence: real('confidence'),
    /** For `approved` answers: the approved answer given (reused or just approved). */
    approvedAnswerId: integer('approved_answer_id'),
    /**
     * The open escalation this question joined instead of opening its own (the same question
     * asked again while the team has it): its decision reaches this asker too.
     */
    joinedEscalationId: integer('joined_escalation_id'),
    /** The department the question was routed to (DEPARTMENTS); null: none, the base model. */
    department: text('department'),
    /** Why: `channel` (asked in a department's channel) or `documents` (its best passages). */
    departmentBy: text('department_by'),
    /** The chat model that wrote a generated answer (`base:adapter`), as the runner served it. */
    model: text('model'),
    /**
     * Where the answer was posted (its ts, activity id), for updates. Recorded at the first visible
     * message, before the answer is complete: a retried job then finishes or replaces that message
     * instead of posting a second answer.
     */
    answerTs: text('answer_ts'),
    attempts: integer('attempts').notNull().default(0),
    /** When a job last began working on the question; the cron re-queues one left `queued` too long. */
    lastAttemptAt: timestamp('last_attempt_at', tz),
    /** A job working on the question holds it until then, so a re-queued copy does not answer twice. */
    claimedUntil: timestamp('claimed_until', tz),
    error: text('error'),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
    answeredAt: timestamp('answered_at', tz),
  },
  (t) => [
    index('questions_thread').on(t.platform, t.channel, t.threadTs),
    index('questions_status').on(t.status),
  ],
)

/** Threads the bot answers in: replies there are questions without a new mention. */
export const threads = pgTable(
  'threads',
  {
    platform: text('platform').notNull(),
    channel: text('channel').notNull(),
    threadTs: text('thread_ts').notNull(),
    asker: text('asker').notNull(),
    startedAt: timestamp('started_at', tz).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.channel, t.threadTs] })],
)

/** Thumbs up/down on an answer; the last vote of a person counts. */
export const feedback = pgTable(
  'feedback',
  {
    questionId: integer('question_id')
      .notNull()
      .references(() => questions.id),
    voter: text('voter').notNull(),
    helpful: boolean('helpful').notNull(),
    at: timestamp('at', tz).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.questionId, t.voter] })],
)

/**
 * A question handed to the policy team: `open` until an admin approves (as drafted), edits and
 * approves, or rejects it. The status changes with one conditional UPDATE, so of two admins acting
 * at once exactly one wins.
 */
export const escalations = pgTable(
  'escalations',
  {
    id: serial('id').primaryKey(),
    questionId: integer('question_id')
      .notNull()
      .references(() => questions.id),
    /** abstain, low_confidence, ungrounded, asked (the asker pressed "Ask a human"), feedback. */
    reason: text('reason').notNull(),
    draft: text('draft'),
    citations: jsonb('citations').notNull().default([]),
    confidence: real('confidence'),
    status: text('status').notNull().default('open'),
    /** The admin-channel message (channel, ts) that carries the buttons. */
    adminChannel: text('admin_channel'),
    adminTs: text('admin_ts'),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', tz),
    finalAnswer: text('final_answer'),
    /**
     * The draft's source numbers the deciding admin kept (the console's source picker); null: the
     * sources follow from the text (citationsForEdit).
     */
    finalSources: jsonb('final_sources').$type<number[]>(),
    rejectReason: text('reject_reason'),
    remindedAt: timestamp('reminded_at', tz),
    /** When the decision reached the asker (a retried delivery job does not post twice). */
    deliveredAt: timestamp('delivered_at', tz),
    createdAt: timestamp('created_at', tz).notNull().defaultNow(),
  },
  (t) => [
    index('escalations_status').on(t.status),
    // One open escalation per question: "Ask a human" twice does not page the team twice.
    uniqueIndex('escalations_open_question').on(t.questionId).where(sql`status = 'open'`),
  ],
)

/**
 * Answers approved by the policy team, reused for later questions that mean the same. Withdrawn
 * when a cited document changes or is deleted; expired after the configured number of days.
 */
export const approvedAnswers = pgTable(
  'approved_answers',
  {
    id: serial('id').primaryKey(),
    escalationId: integer('escalation_id')
      .references(() => escalations.id)
      .unique(),
    question: text('question').notNull(),
    answer: text('answer').notNull(),
    citations: jsonb('citations').notNull().default([]),
    /** Document versions cited; a new version or a deletion withdraws the answer. */
    documentIds: integer('document_ids').array().notNull().default(sql`'{}'::integer[]`),
    language: text('language').notNull().default('en'),
    embedderId: integer('embedder_id').references(() => embedders.id),
    embedding: vector('embedding'),
    /** The question's analysed terms (stems), for the lexical half of the match. */
    terms: text('terms').array().notNull().default(sql`'{}'::text[]`),
    approvedBy: text('approved_by').notNull(),
    /** The department of the question it answered: its adapter is trained on it (export-approved). */
    department: text('department'),
    approvedAt: timestamp('approved_at', tz).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', tz).notNull(),
    withdrawnAt: timestamp('withdrawn_at', tz),
    withdrawnReason: text('withdrawn_reason'),
  },
  (t) => [
    index('approved_answers_documents').using('gin', t.documentIds),
    index('approved_answers_live').on(t.expiresAt).where(sql`withdrawn_at IS NULL`),
  ],
)

/** Jobs whose retries ran out: parked for an admin to see and retry, never silently dropped. */
export const parkedJobs = pgTable('parked_jobs', {
  id: serial('id').primaryKey(),
  kind: text('kind').notNull(),
  body: jsonb('body').notNull(),
  error: text('error').notNull(),
  attempts: integer('attempts').notNull(),
  parkedAt: timestamp('parked_at', tz).notNull().defaultNow(),
  retriedAt: timestamp('retried_at', tz),
  /** For a parked question: when the asker was told the policy team will follow up. */
  askerToldAt: timestamp('asker_told_at', tz),
  /** When every configured admin place had been alerted. */
  adminsToldAt: timestamp('admins_told_at', tz),
  /** The admin places (platform names) alerted so far: a retry tells only the others. */
  adminPlacesTold: text('admin_places_told').array().notNull().default(sql`'{}'::text[]`),
  /** Tries at telling them so far (the cron tries again while a platform is down). */
  noticeAttempts: integer('notice_attempts').notNull().default(0),
})

/**
 * A wiki source kept in sync (issue 5): its cursor into the remote's change feed, a lease so two
 * runs never overlap, and the outcome of its last run (`policybot sources` shows it). Settings
 * that are not secrets may live here (`config`); secrets come from the environment.
 */
export const syncSources = pgTable('sync_sources', {
  name: text('name').primaryKey(),
  kind: text('kind').notNull(),
  config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
  cursor: text('cursor'),
  lockedUntil: timestamp('locked_until', tz),
  lastRunAt: timestamp('last_run_at', tz),
  lastSuccessAt: timestamp('last_success_at', tz),
  lastError: text('last_error'),
  createdAt: timestamp('created_at', tz).notNull().defaultNow(),
})

/**
 * Every item a source has shown us: its version stamp (an unchanged stamp skips the fetch), the
 * hash of what we stored (an unchanged hash skips re-embedding) and the document it became. A
 * failed item keeps its error and is retried by every run until it succeeds.
 */
export const syncItems = pgTable(
  'sync_items',
  {
    source: text('source')
      .notNull()
      .references(() => syncSources.name, { onDelete: 'cascade' }),
    itemId: text('item_id').notNull(),
    version: text('version'),
    contentHash: text('content_hash'),
    documentId: integer('document_id'),
    title: text('title'),
    url: text('url'),
    updatedAt: timestamp('updated_at', tz),
    failedAt: timestamp('failed_at', tz),
    error: text('error'),
    deletedAt: timestamp('deleted_at', tz),
    seenAt: timestamp('seen_at', tz).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.source, t.itemId] })],
)

/** One sync run: counts, the pages that failed (and why), and the run's own error if it failed. */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: serial('id').primaryKey(),
    source: text('source').notNull(),
    startedAt: timestamp('started_at', tz).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', tz),
    status: text('status').notNull().default('running'),
    seen: integer('seen').notNull().default(0),
    changed: integer('changed').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    embeddedChunks: integer('embedded_chunks').notNull().default(0),
    failures: jsonb('failures')
      .$type<Array<{ id: string; title?: string; error: string }>>()
      .notNull()
      .default([]),
    error: text('error'),
    /**
     * Freshness: over the pages whose change this run made answerable (edits, new pages, moves,
     * deletions the feed dated), how long after the source's own timestamp of the change. Null
     * when the run made no dated change answerable.
     */
    lagPages: integer('lag_pages').notNull().default(0),
    lagMedianMs: integer('lag_median_ms'),
    lagMaxMs: integer('lag_max_ms'),
  },
  (t) => [index('sync_runs_source').on(t.source, t.startedAt)],
)

/**
 * Teams conversations the bot has heard from: where to reach them (the Bot Connector's
 * `serviceUrl`, which the platform may change, so every inbound activity refreshes it). Replies
 * long after the question (an approval) need it.
 */
export const teamsConversations = pgTable('teams_conversations', {
  conversationId: text('conversation_id').primaryKey(),
  tenantId: text('tenant_id').notNull(),
  serviceUrl: text('service_url').notNull(),
  updatedAt: timestamp('updated_at', tz).notNull().defaultNow(),
})

/** The admin card a Teams escalation was posted as, so a decision can update it for everyone. */
export const teamsAdminCards = pgTable('teams_admin_cards', {
  escalationId: integer('escalation_id').primaryKey(),
  conversationId: text('conversation_id').notNull(),
  activityId: text('activity_id').notNull(),
})

/**
 * The notice a DingTalk escalation was posted as in the admins' group (robot messages cannot be
 * edited, so a decision is posted as a follow-up, once: `outcomePostedAt`).
 */
export const dingtalkAdminPosts = pgTable('dingtalk_admin_posts', {
  escalationId: integer('escalation_id').primaryKey(),
  conversationId: text('conversation_id').notNull(),
  processQueryKey: text('process_query_key'),
  postedAt: timestamp('posted_at', tz).notNull().defaultNow(),
  outcomePostedAt: timestamp('outcome_posted_at', tz),
})

/**
 * Who did what, append-only (workers/audit/): decisions on escalations, uploads, replacements and
 * deletions of documents, withdrawn approved answers, wiki sync runs, questions asked. A trigger
 * (migration 0012) refuses UPDATE, DELETE and TRUNCATE, so not even a bug in this code can
 * rewrite history; the code has no function that tries.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', tz).notNull().defaultNow(),
    /** `slack:U123`, `teams:<aad id>`, `dingtalk:<staff id>`, `web:<email or local admin>`, `cli`, `system`. */
    actor: text('actor').notNull(),
    /** ask, decide, withdraw, upload, replace, delete, sync, adapter (see workers/audit/log.ts). */
    action: text('action').notNull(),
    /** What it was done to: `question:12`, `escalation:5`, `document:file:leave.md`, `source:hr-wiki`. */
    subject: text('subject').notNull(),
    /** The text before and after, where text changed (draft → approved answer, old → new hash). */
    before: text('before'),
    after: text('after'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_log_at').on(t.at), index('audit_log_subject').on(t.subject, t.at)],
)

/**
 * A department's grey release (workers/departments/rollout.ts): the model a promotion made
 * current (null: DEPARTMENTS decides) and the canary answering `share` of its questions.
 */
export const departmentRollouts = pgTable('department_rollouts', {
  department: text('department').primaryKey(),
  current: text('current'),
  canary: text('canary'),
  share: real('share').notNull().default(0),
  canarySince: timestamp('canary_since', tz),
  canaryBy: text('canary_by'),
  updatedAt: timestamp('updated_at', tz).notNull().defaultNow(),
})
