import { appendAudit, SYSTEM_ACTOR } from '../workers/audit/log'
import type { Db } from '../workers/db/client'
import type { Embedder } from '../workers/knowledge/embed/types'
import { ingestBytes } from '../workers/knowledge/ingest'
import { deleteDocument } from '../workers/knowledge/store'
import { type Connector, type ItemRef, isConnectorError } from './connector'
import { itemMarkdown, sha256Hex } from './front-matter'
import * as state from './state'

/**
 * The incremental sync engine. One run of one source: take the source's lease, walk the change
 * feed from the stored cursor, fetch only items whose version stamp changed, re-chunk and
 * re-embed only those whose content hash changed, delete what the feed or the full listing no
 * longer shows (in the same run; approved answers citing it are withdrawn by the store), then
 * store the new cursor. One bad page is recorded and skipped, and retried by every later run; a
 * failure of the source itself (credentials, the listing) fails the run without pruning. Runs are
 * idempotent: a repeated or crashed-and-resumed run finds every finished item unchanged.
 */
export interface SyncSource {
  name: string
  connector: Connector
  /** Who may read this source's pages that name no audience of their own (one that does is for its audience only). */
  audience?: string[]
  /** Non-secret settings, stored with the source (`policybot sources`, the Worker's cron). */
  config?: Record<string, unknown>
}

export interface SyncOptions {
  db: Db
  embedder: Embedder
  /** Largest page, in bytes of Markdown. */
  maxBytes?: number
  now?: () => Date
  log?: (line: string) => void
  /**
   * Stops the run between pages (Ctrl-C): the page in hand is finished, the lease released and the
   * run recorded as `interrupted`; the next run resumes from the stored cursor.
   */
  signal?: AbortSignal
  /**
   * Take the source's lease even if another run holds it: only when nothing else can be running
   * (the CLI on the embedded database holds its data directory's lock, so a lease there is left
   * by a run that died).
   */
  takeOverLease?: boolean
  /** The largest share of indexed pages one run may prune (default 0.2); see `allowMassDelete`. */
  maxDeleteShare?: number
  /** Prune however many pages the listing no longer shows (the operator checked the scope). */
  allowMassDelete?: boolean
  /** Who runs the sync, for the audit log: `system` (the Worker's cron) or `cli`. */
  actor?: string
}

export interface SyncReport {
  source: string
  status: 'ok' | 'failed' | 'busy' | 'interrupted'
  runId?: number
  /** A lease left by a run that died was taken over (`takeOverLease`). */
  tookOver?: boolean
  /** Until when another run holds the source (`busy`). */
  busyUntil?: string
  /** The run stopped before pruning more than `maxDeleteShare` of the source's pages. */
  massDelete?: { wouldDelete: number; of: number }
  seen: number
  changed: number
  unchanged: number
  deleted: number
  failed: number
  /** Chunks embedded in this run (0 when nothing changed). */
  embeddedChunks: number
  failures: Array<{ id: string; title?: string; error: string }>
  /**
   * Freshness: how long after the source's own timestamp of a change it became answerable, over
   * the changes this run made answerable that the source dated (edits, new pages, moves, deletions
   * the feed listed). Pages added by the reconciliation (a widened scope) or pruned carry no date.
   */
  lag: { pages: number; medianMs: number | null; maxMs: number | null }
  error?: string
  ms: number
}

/** The document path of an item: unique across sources of the same kind. */
export function itemSourcePath(source: string, itemId: string): string {
  return `${source}/${itemId}`
}

export async function syncSource(source: SyncSource, o: SyncOptions): Promise<SyncReport> {
  const started = performance.now()
  const now = o.now ?? (() => new Date())
  const log = o.log ?? (() => {})
  const { db, embedder } = o
  const { connector, name } = source
  const report: SyncReport = {
    source: name,
    status: 'ok',
    seen: 0,
    changed: 0,
    unchanged: 0,
    deleted: 0,
    failed: 0,
    embeddedChunks: 0,
    failures: [],
    lag: { pages: 0, medianMs: null, maxMs: null },
    ms: 0,
  }
  /** Per dated change made answerable: now minus the source's timestamp of it. */
  const lags: number[] = []
  /** Changes dated before this were the last completed run's (null: a first sync, no lag). */
  let measuredSince: Date | null = null
  const answerable = (changedAt: Date | undefined) => {
    if (!measuredSince || !changedAt || Number.isNaN(changedAt.getTime())) return
    // Git and Notion date changes to the second or minute: a change in the same second as the
    // last run's start may be after it.
    if (changedAt.getTime() < measuredSince.getTime() - 1000) return
    lags.push(Math.min(2 ** 31 - 1, Math.max(0, now().getTime() - changedAt.getTime())))
  }
  const lease = await state.acquireSource(db, name, connector.kind, source.config, now(), {
    force: o.takeOverLease === true,
  })
  if (!lease.acquired)
    return {
      ...report,
      status: 'busy',
      ...(lease.lockedUntil ? { busyUntil: lease.lockedUntil } : {}),
      ms: performance.now() - started,
    }
  // Holding the lease, no other run is alive: one still marked running died (a crash, a kill).
  await state.closeAbandonedRuns(db, name)
  if (lease.tookOver) {
    report.tookOver = true
    log('took over the lease of a run that did not finish')
  }
  measuredSince = await state.lastOkRunStart(db, name)
  const runId = await state.startRun(db, name)
  report.runId = runId
  const path = (id: string) => itemSourcePath(name, id)
  // What this run changed, for its one audit row; the store logs the approvals it withdraws.
  const audit = { actor: o.actor ?? SYSTEM_ACTOR, logDocument: false }
  const changes: Array<{ id: string; title: string; status: string; version: number }> = []
  const deletions: Array<{ id: string; title?: string }> = []

  const remove = async (id: string, changedAt?: Date) => {
    const title = (await state.getItem(db, name, id))?.title
    await deleteDocument(db, connector.kind, path(id), audit)
    deletions.push({ id, ...(title ? { title } : {}) })
    await state.putItem(db, {
      source: name,
      itemId: id,
      documentId: null,
      deletedAt: now(),
      failedAt: null,
      error: null,
    })
    report.deleted++
    answerable(changedAt)
    log(`deleted ${id}`)
  }

  const fail = async (ref: ItemRef, e: unknown, title?: string) => {
    // A fetch cut short by a stop is not the page's failure.
    stopIfAsked(o.signal)
    const error = e instanceof Error ? e.message : String(e)
    report.failed++
    report.failures.push({ id: ref.id, ...(title ? { title } : {}), error })
    await state.putItem(db, { source: name, itemId: ref.id, failedAt: now(), error, seenAt: now() })
    log(`failed ${ref.id}: ${error}`)
  }

  /** Items this run looked at, so the reconciliation below does not take them twice. */
  const handled = new Set<string>()
  /**
   * One item of the feed. Connector errors of the source itself (AUTH) end the run. `dated`: the
   * ref comes from the source's feed, so its change time is the source's (for the lag).
   */
  const process = async (ref: ItemRef, force = false, dated = true) => {
    report.seen++
    handled.add(ref.id)
    // A move keeps the document (its row, its approved answers); the fetch then refreshes its link.
    let moved = false
    if (ref.previousId && ref.previousId !== ref.id) {
      moved = await state.renameItem(db, connector.kind, name, ref.previousId, ref.id, path)
      if (moved) force = true
    }
    const known = await state.getItem(db, name, ref.id)
    if (ref.deleted) {
      if (known && !known.deletedAt && known.documentId !== null)
        await remove(ref.id, dated ? ref.updatedAt : undefined)
      else report.unchanged++
      return
    }
    const current = known && !known.deletedAt && !known.failedAt && known.documentId !== null
    if (!force && current && known.version === ref.version) {
      report.unchanged++
      return
    }
    let item: Awaited<ReturnType<Connector['fetch']>>
    try {
      item = await connector.fetch(ref, o.signal)
    } catch (e) {
      if (isConnectorError(e) && e.code === 'AUTH') throw e
      return fail(ref, e)
    }
    if (!item) {
      if (known && !known.deletedAt && known.documentId !== null)
        await remove(ref.id, dated ? ref.updatedAt : undefined)
      else if (known?.failedAt) {
        // A page that failed and is gone since: nothing left to retry.
        await state.putItem(db, {
          source: name,
          itemId: ref.id,
          failedAt: null,
          error: null,
          deletedAt: now(),
        })
        log(`gone ${ref.id} (it had failed)`)
      } else report.unchanged++
      return
    }
    const markdown = itemMarkdown(item, source.audience)
    // Where a page sits, and who touched it last, is not content: a move (by anyone) that only
    // changes its link, location and last author updates the row, not the passages.
    const { author: _author, ...content } = item
    const hash = await sha256Hex(itemMarkdown({ ...content, url: '', location: '' }, source.audience))
    if (current && known.contentHash === hash) {
      const relinked = (item.url ?? null) !== known.url
      if (relinked) await state.setDocumentUrl(db, known.documentId as number, item.url ?? null)
      // A move is answerable (cited at its new path and link) from here.
      if ((relinked || moved) && dated) answerable(item.updatedAt)
      await state.putItem(db, {
        source: name,
        itemId: ref.id,
        version: item.version,
        url: item.url ?? null,
        seenAt: now(),
      })
      report.unchanged++
      return
    }
    try {
      const bytes = new TextEncoder().encode(markdown)
      const stored = await ingestBytes(db, embedder, {
        sourceKind: connector.kind,
        sourcePath: path(item.id),
        // The name the knowledge core reports errors under, and whose extension picks Markdown.
        name: /\.(md|markdown)$/i.test(item.id) ? item.id : `${item.id}.md`,
        bytes,
        maxBytes: o.maxBytes ?? 5 * 1024 * 1024,
        updatedAt: item.updatedAt,
        audit,
      })
      await state.putItem(db, {
        source: name,
        itemId: item.id,
        version: item.version,
        contentHash: hash,
        documentId: stored.documentId,
        title: item.title,
        url: item.url ?? null,
        updatedAt: item.updatedAt,
        failedAt: null,
        error: null,
        deletedAt: null,
        seenAt: now(),
      })
      if (stored.status === 'unchanged') report.unchanged++
      else {
        report.changed++
        report.embeddedChunks += stored.chunks
        if (dated) answerable(item.updatedAt)
        changes.push({ id: item.id, title: item.title, status: stored.status, version: stored.version })
        log(`${stored.status} ${item.id} (${stored.chunks} passages)`)
      }
    } catch (e) {
      await fail(ref, e, item.title)
    }
  }

  let cursor = lease.cursor ?? undefined
  try {
    // Last run's failures first: they are retried until they succeed.
    for (const f of await state.failedItems(db, name)) {
      stopIfAsked(o.signal)
      await process({ id: f.itemId, version: f.version ?? '', updatedAt: f.updatedAt ?? now() }, true)
    }
    for await (const page of connector.changes(cursor, o.signal)) {
      for (const ref of page.items) {
        stopIfAsked(o.signal)
        await process(ref)
      }
      if (page.cursor !== undefined) cursor = page.cursor
      await state.renewLease(db, name, now())
    }
    // Pruning: whatever the source no longer lists (deleted, moved out of scope, no longer
    // visible). A listing may miss live pages without saying so (Notion's search is documented as
    // not exhaustive), so a missing id is only deleted once fetching it confirms it is gone.
    stopIfAsked(o.signal)
    const live = await connector.liveIds(o.signal)
    const known = await state.liveItemIds(db, name)
    // A listing that drops many pages at once is more likely a wrong scope (a typo in `paths`, a
    // revoked permission) than a purge: stop before deleting anything, unless told.
    const missing = known.filter((id) => !live.has(id)).length
    const share = o.maxDeleteShare ?? 0.2
    if (!o.allowMassDelete && missing > 1 && missing > share * known.length) {
      report.massDelete = { wouldDelete: missing, of: known.length }
      throw new Error(
        `the source no longer lists ${missing} of its ${known.length} indexed pages (${Math.round((100 * missing) / known.length)}%, over the ${Math.round(share * 100)}% limit); nothing was deleted: check the source's scope, or run policybot sync --allow-mass-delete`,
      )
    }
    for (const id of known) {
      if (live.has(id)) continue
      stopIfAsked(o.signal)
      const still = await connector.fetch({ id, version: '', updatedAt: now() }, o.signal).then(
        (item) => item !== null,
        (e: unknown) => {
          if (isConnectorError(e) && e.code === 'AUTH') throw e
          return true // unknown: keep it, the next run looks again
        },
      )
      if (!still) await remove(id)
    }
    // And the other way round: a live page the index lacks, though the change feed never showed
    // it, is added: a source whose scope was widened (a new path, space or label), a page that
    // gained the filter label, or one restored without a new version.
    const indexed = new Set(known)
    for (const id of live) {
      if (indexed.has(id) || handled.has(id)) continue
      stopIfAsked(o.signal)
      await process({ id, version: '', updatedAt: now() }, true, false)
    }
    await state.releaseSource(db, name, { ok: true, at: now(), ...(cursor !== undefined ? { cursor } : {}) })
  } catch (e) {
    if (o.signal?.aborted) {
      // Stopped on request: no error on the source, the cursor of the last finished page kept.
      report.status = 'interrupted'
      report.error = 'stopped before the end (Ctrl-C); the next run resumes'
      await state.releaseSource(db, name, {
        ok: false,
        interrupted: true,
        ...(cursor !== undefined ? { cursor } : {}),
      })
    } else {
      report.status = 'failed'
      report.error = e instanceof Error ? e.message : String(e)
      await state.releaseSource(db, name, { ok: false, error: report.error })
    }
  }
  await connector.close?.()
  report.ms = performance.now() - started
  if (lags.length > 0) {
    const sorted = lags.sort((a, b) => a - b)
    const mid = sorted.length >> 1
    const median =
      sorted.length % 2
        ? (sorted[mid] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
    report.lag = {
      pages: sorted.length,
      medianMs: Math.round(median),
      maxMs: sorted[sorted.length - 1] as number,
    }
  }
  const { status, seen, changed, deleted, failed, embeddedChunks, failures, error, lag } = report
  await state.finishRun(db, runId, {
    status: status === 'busy' ? 'failed' : status,
    seen,
    changed,
    deleted,
    failed,
    embeddedChunks,
    failures,
    error: error ?? null,
    lagPages: lag.pages,
    lagMedianMs: lag.medianMs,
    lagMaxMs: lag.maxMs,
  })
  if (changes.length > 0 || deletions.length > 0) {
    await appendAudit(db, {
      actor: audit.actor,
      action: 'sync',
      subject: `source:${name}`,
      detail: { runId, kind: connector.kind, status, changed: changes, deleted: deletions, failed },
    })
  }
  return report
}

/** Ends the run between two pages once a stop was asked for. */
function stopIfAsked(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('stopped')
}
