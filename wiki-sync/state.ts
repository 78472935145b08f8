import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import { type Db, queryRows } from '../workers/db/client'
import { documents, syncItems, syncRuns, syncSources } from '../workers/db/schema'

/**
 * The sync engine's bookkeeping in the database: the source's lease and cursor, per-item state,
 * and run records. Named queries only; the engine holds the logic.
 */
export type ItemState = typeof syncItems.$inferSelect

/** How long a run may hold a source before another may take it over (renewed per page). */
export const LEASE_MS = 15 * 60_000

/**
 * Takes the source's lease (registering the source on first use) and returns its cursor, or says
 * until when another run holds it. With `force`, a live lease is taken over (`tookOver`).
 */
export async function acquireSource(
  db: Db,
  name: string,
  kind: string,
  config: Record<string, unknown> | undefined,
  now: Date,
  options: { force?: boolean } = {},
): Promise<
  | { acquired: true; cursor: string | null; tookOver: boolean }
  | { acquired: false; lockedUntil: string | null }
> {
  await db
    .insert(syncSources)
    .values({ name, kind, ...(config ? { config } : {}) })
    .onConflictDoUpdate({ target: syncSources.name, set: { kind, ...(config ? { config } : {}) } })
  const until = new Date(now.getTime() + LEASE_MS)
  const rows = await queryRows<{ cursor: string | null; held: boolean }>(
    db,
    sql`UPDATE sync_sources s SET locked_until = ${until.toISOString()}, last_run_at = ${now.toISOString()}
        FROM (SELECT name, locked_until >= ${now.toISOString()} AS held FROM sync_sources WHERE name = ${name}) old
        WHERE s.name = old.name
          AND (${options.force === true} OR s.locked_until IS NULL OR s.locked_until < ${now.toISOString()})
        RETURNING s.cursor, coalesce(old.held, false) AS held`,
    'take the sync lease',
  )
  const row = rows[0]
  if (row) return { acquired: true, cursor: row.cursor, tookOver: row.held === true }
  const [current] = await db
    .select({ lockedUntil: syncSources.lockedUntil })
    .from(syncSources)
    .where(eq(syncSources.name, name))
  return { acquired: false, lockedUntil: current?.lockedUntil?.toISOString() ?? null }
}

/**
 * When the source's last completed run started: a change dated before it was that run's to pick
 * up, so only later ones measure this run's freshness. Null before the first completed run (a
 * first sync is a backfill, not a lag).
 */
export async function lastOkRunStart(db: Db, source: string): Promise<Date | null> {
  const [row] = await db
    .select({ startedAt: syncRuns.startedAt })
    .from(syncRuns)
    .where(and(eq(syncRuns.source, source), eq(syncRuns.status, 'ok')))
    .orderBy(desc(syncRuns.startedAt))
    .limit(1)
  return row?.startedAt ?? null
}

/** Runs of a source still marked running (their process died): recorded as abandoned. */
export async function closeAbandonedRuns(db: Db, source: string): Promise<void> {
  await db
    .update(syncRuns)
    .set({ status: 'abandoned', finishedAt: new Date(), error: 'the run stopped without finishing' })
    .where(and(eq(syncRuns.source, source), isNull(syncRuns.finishedAt)))
}

export async function renewLease(db: Db, name: string, now: Date, cursor?: string): Promise<void> {
  await db
    .update(syncSources)
    .set({ lockedUntil: new Date(now.getTime() + LEASE_MS), ...(cursor !== undefined ? { cursor } : {}) })
    .where(eq(syncSources.name, name))
}

/** Ends a run: releases the lease; on success stores the new cursor and the success time. */
export async function releaseSource(
  db: Db,
  name: string,
  outcome:
    | { ok: true; cursor?: string; at: Date }
    | { ok: false; error: string }
    | { ok: false; interrupted: true; cursor?: string },
): Promise<void> {
  await db
    .update(syncSources)
    .set(
      outcome.ok
        ? {
            lockedUntil: null,
            lastSuccessAt: outcome.at,
            lastError: null,
            ...(outcome.cursor !== undefined ? { cursor: outcome.cursor } : {}),
          }
        : 'interrupted' in outcome
          ? { lockedUntil: null, ...(outcome.cursor !== undefined ? { cursor: outcome.cursor } : {}) }
          : { lockedUntil: null, lastError: outcome.error },
    )
    .where(eq(syncSources.name, name))
}

export async function startRun(db: Db, source: string): Promise<number> {
  const [row] = await db.insert(syncRuns).values({ source }).returning({ id: syncRuns.id })
  return row?.id as number
}

export async function finishRun(
  db: Db,
  id: number,
  values: Partial<typeof syncRuns.$inferInsert> & { status: 'ok' | 'failed' | 'interrupted' },
): Promise<void> {
  await db
    .update(syncRuns)
    .set({ ...values, finishedAt: new Date() })
    .where(eq(syncRuns.id, id))
}

export async function getItem(db: Db, source: string, itemId: string): Promise<ItemState | undefined> {
  const [row] = await db
    .select()
    .from(syncItems)
    .where(and(eq(syncItems.source, source), eq(syncItems.itemId, itemId)))
  return row
}

export async function putItem(db: Db, row: typeof syncItems.$inferInsert): Promise<void> {
  const { source, itemId, ...rest } = row
  await db
    .insert(syncItems)
    .values(row)
    .onConflictDoUpdate({ target: [syncItems.source, syncItems.itemId], set: rest })
}

/** Items that failed last time: every run retries them. */
export async function failedItems(db: Db, source: string): Promise<ItemState[]> {
  return db
    .select()
    .from(syncItems)
    .where(
      and(eq(syncItems.source, source), sql`${syncItems.failedAt} IS NOT NULL`, isNull(syncItems.deletedAt)),
    )
}

/** Ids of the items currently in the index for a source. */
export async function liveItemIds(db: Db, source: string): Promise<string[]> {
  const rows = await db
    .select({ id: syncItems.itemId })
    .from(syncItems)
    .where(
      and(
        eq(syncItems.source, source),
        isNull(syncItems.deletedAt),
        sql`${syncItems.documentId} IS NOT NULL`,
      ),
    )
  return rows.map((r) => r.id)
}

/**
 * A rename or move that the source reports (git): the document and the item take the new id in
 * one transaction, so the document keeps its row (its approved answers, its history).
 */
export async function renameItem(
  db: Db,
  kind: string,
  source: string,
  from: string,
  to: string,
  sourcePath: (id: string) => string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db
    // A target that is already known (re-added) is not a rename: the feed's add and delete apply.
    if (await getItem(t, source, to)) return false
    const moved = await t
      .update(syncItems)
      .set({ itemId: to })
      .where(and(eq(syncItems.source, source), eq(syncItems.itemId, from)))
      .returning({ id: syncItems.itemId })
    if (moved.length === 0) return false
    await t
      .update(documents)
      .set({ sourcePath: sourcePath(to) })
      .where(
        and(
          eq(documents.sourceKind, kind),
          eq(documents.sourcePath, sourcePath(from)),
          isNull(documents.deletedAt),
        ),
      )
    return true
  })
}

/** A moved page's new link, without touching its passages. */
export async function setDocumentUrl(db: Db, documentId: number, url: string | null): Promise<void> {
  await db.update(documents).set({ url }).where(eq(documents.id, documentId))
}

/** What `policybot sources`, the console and the Worker's `/metrics` show of one source. */
export interface SourceStatus {
  name: string
  kind: string
  /** Pages in the index. */
  pages: number
  /** Pages whose last attempt failed (retried by every run). */
  failing: number
  lastSuccessAt: string | null
  /** Seconds since the last successful run (any change older than that run's start is answerable). */
  lagSeconds: number | null
  /**
   * The most recent run that made dated changes answerable: how long after the source's own
   * timestamp of each change (median and maximum over its pages). Null before any.
   */
  freshness: {
    runStartedAt: string
    pages: number
    medianSeconds: number | null
    maxSeconds: number | null
  } | null
  lastError: string | null
  lastRun: {
    status: string
    startedAt: string
    seen: number
    changed: number
    deleted: number
    failed: number
    embeddedChunks: number
    failures: Array<{ id: string; title?: string; error: string }>
  } | null
}

export async function sourceStatuses(db: Db, now = new Date()): Promise<SourceStatus[]> {
  const rows = await db.select().from(syncSources).orderBy(syncSources.name)
  const out: SourceStatus[] = []
  for (const s of rows) {
    const [last] = await db
      .select()
      .from(syncRuns)
      .where(eq(syncRuns.source, s.name))
      .orderBy(desc(syncRuns.startedAt))
      .limit(1)
    const [fresh] = await db
      .select()
      .from(syncRuns)
      .where(and(eq(syncRuns.source, s.name), sql`${syncRuns.lagPages} > 0`))
      .orderBy(desc(syncRuns.startedAt))
      .limit(1)
    const [counts = { pages: 0, failing: 0 }] = await queryRows<{ pages: number; failing: number }>(
      db,
      sql`SELECT count(*) FILTER (WHERE deleted_at IS NULL AND document_id IS NOT NULL)::int AS pages,
                 count(*) FILTER (WHERE deleted_at IS NULL AND failed_at IS NOT NULL)::int AS failing
          FROM sync_items WHERE source = ${s.name}`,
      'pages of a source',
    )
    const seconds = (ms: number | null) => (ms === null ? null : ms / 1000)
    out.push({
      name: s.name,
      kind: s.kind,
      pages: counts.pages,
      failing: counts.failing,
      lastSuccessAt: s.lastSuccessAt?.toISOString() ?? null,
      lagSeconds: s.lastSuccessAt ? Math.round((now.getTime() - s.lastSuccessAt.getTime()) / 1000) : null,
      freshness: fresh
        ? {
            runStartedAt: fresh.startedAt.toISOString(),
            pages: fresh.lagPages,
            medianSeconds: seconds(fresh.lagMedianMs),
            maxSeconds: seconds(fresh.lagMaxMs),
          }
        : null,
      lastError: s.lastError,
      lastRun: last
        ? {
            status: last.status,
            startedAt: last.startedAt.toISOString(),
            seen: last.seen,
            changed: last.changed,
            deleted: last.deleted,
            failed: last.failed,
            embeddedChunks: last.embeddedChunks,
            failures: last.failures,
          }
        : null,
    })
  }
  return out
}
