import { eq, inArray } from 'drizzle-orm'
import { isConnectorError } from '../../wiki-sync/connector'
import { syncSource } from '../../wiki-sync/engine'
import { createRemoteConnector, storedSource } from '../../wiki-sync/sources'
import { syncSources } from '../db/schema'
import type { Services } from '../services'

/**
 * Wiki sync on the edge: the Cron Trigger enqueues one job per remote source (Confluence,
 * Notion; git sources sync from Node), and each job runs one incremental sync in the queue
 * consumer. A run that fails (the wiki down, a revoked token) throws, so the queue retries it
 * with backoff; a run cut short keeps what it finished (the next one skips it by version stamp).
 * A source whose settings or secret are missing is recorded on the source, not retried.
 */
export const EDGE_KINDS = ['confluence', 'notion']

export async function enqueueSyncJobs(svc: Services): Promise<number> {
  const rows = await svc.db
    .select({ name: syncSources.name })
    .from(syncSources)
    .where(inArray(syncSources.kind, EDGE_KINDS))
  if (rows.length > 0) {
    await svc.env.JOBS.sendBatch(rows.map((r) => ({ body: { type: 'sync' as const, source: r.name } })))
  }
  return rows.length
}

export async function runSyncJob(svc: Services, name: string): Promise<void> {
  const [row] = await svc.db.select().from(syncSources).where(eq(syncSources.name, name))
  if (!row) return // removed since the job was queued
  let connector: ReturnType<typeof createRemoteConnector>
  let audience: string[]
  let maxDeleteShare: number
  try {
    const source = storedSource(row.name, row.kind, row.config)
    audience = source.audience
    maxDeleteShare = source.maxDeleteShare
    connector = createRemoteConnector(source, {
      env: svc.env as unknown as Record<string, string | undefined>,
    })
  } catch (e) {
    if (!isConnectorError(e) || e.code !== 'CONFIG') throw e
    await svc.db.update(syncSources).set({ lastError: e.message }).where(eq(syncSources.name, name))
    svc.warn(e.message)
    return
  }
  const report = await syncSource(
    { name, connector, audience },
    {
      db: svc.db,
      embedder: svc.embedder,
      maxBytes: svc.config.maxUploadBytes,
      log: () => {},
      maxDeleteShare,
    },
  )
  for (const f of report.failures) svc.warn(`sync ${name}: ${f.id}: ${f.error}`)
  // Retrying would stop again: the source's error says why, for an operator to decide.
  if (report.massDelete) {
    svc.warn(`sync ${name}: ${report.error}`)
    return
  }
  if (report.status === 'failed') throw new Error(`sync of ${name} failed: ${report.error}`)
}
