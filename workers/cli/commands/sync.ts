import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { eq, sql } from 'drizzle-orm'
import { isConnectorError } from '../../../wiki-sync/connector'
import { type SyncReport, syncSource } from '../../../wiki-sync/engine'
import { createConnector, loadSourcesFile } from '../../../wiki-sync/node-sources'
import { type SourceConfig, storedSource } from '../../../wiki-sync/sources'
import type { SourceStatus } from '../../../wiki-sync/state'
import { appendAudit, CLI_ACTOR } from '../../audit/log'
import { queryRows } from '../../db/client'
import { syncRuns, syncSources } from '../../db/schema'
import { PolicybotError } from '../../errors'
import { deleteDocument } from '../../knowledge/store'
import type { Context } from '../context'
import type { Output } from '../output'

/**
 * `policybot sync [--source NAME] [--sources FILE]` runs the same engine as the Worker's cron, from
 * Node (git sources only sync here). Sources come from the sources file (`--sources`, else
 * `POLICYBOT_SOURCES`, else `./sources.yaml` when present) and from the database (sources the
 * file registered earlier, or configured there). `policybot sources` shows each source's freshness.
 */
export async function sourcesFor(
  ctx: Context,
  env: Readonly<Record<string, string | undefined>>,
  file: string | undefined,
): Promise<{ sources: SourceConfig[]; notInFile: string[] }> {
  const path = file ?? env.POLICYBOT_SOURCES ?? (existsSync('sources.yaml') ? 'sources.yaml' : undefined)
  const fromFile = path ? loadSourcesFile(path) : []
  const names = new Set(fromFile.map((s) => s.name))
  const stored = await ctx.database.db.select().from(syncSources)
  const others = stored.filter((r) => !names.has(r.name))
  // With a sources file, it is the list: a source registered earlier and missing from it (removed
  // or renamed there) is reported, never synced silently. Without one, the registered sources.
  if (path) return { sources: fromFile, notInFile: others.map((r) => r.name) }
  return { sources: others.map((r) => storedSource(r.name, r.kind, r.config)), notInFile: [] }
}

/**
 * Exit codes a scheduler can trust: 0 only when every source synced every page; 1 when a page or
 * a source failed, or another run holds a source; 130 when stopped by Ctrl-C or SIGTERM (the page
 * in hand is finished, the lease released, the run recorded as interrupted; the next run resumes).
 * On the embedded database the CLI holds the data directory's lock, so a lease left by a run that
 * died is taken over at once instead of blocking for 15 minutes.
 */
export async function syncCommand(
  ctx: Context,
  env: Readonly<Record<string, string | undefined>>,
  o: { source?: string; sources?: string; signal?: AbortSignal; allowMassDelete?: boolean },
  out: Output,
): Promise<number> {
  const listed = await sourcesFor(ctx, env, o.sources)
  let sources = listed.sources
  if (o.source) sources = sources.filter((s) => s.name === o.source)
  for (const name of listed.notInFile)
    if (!o.source || o.source === name)
      out.result(
        `${name}: registered earlier but not in the sources file: not synced. Retire it with "policybot sources remove ${name}" (its pages are still answered).`,
      )
  if (sources.length === 0) {
    throw new PolicybotError(
      'CONFIG_INVALID',
      o.source
        ? `No source named "${o.source}" (see "policybot sources").`
        : 'No wiki sources: write a sources file (see README "Wiki sync") and pass --sources FILE.',
    )
  }
  let failed = 0
  // Ctrl-C (or SIGTERM) stops after the page in hand; a second one stops at once.
  const stop = new AbortController()
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(130)
    out.progress('stopping after the page in hand (Ctrl-C again to stop at once)…')
    stop.abort()
  }
  o.signal?.addEventListener('abort', () => stop.abort(), { once: true })
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    for (const s of sources) {
      if (stop.signal.aborted) break
      const r = await syncOne(ctx, env, s, stop.signal, out, o.allowMassDelete === true)
      if (r !== 'ok') failed++
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  if (sources.length > 0) await ctx.database.maintain()
  if (stop.signal.aborted) return 130
  return failed > 0 ? 1 : 0
}

async function syncOne(
  ctx: Context,
  env: Readonly<Record<string, string | undefined>>,
  s: SourceConfig,
  signal: AbortSignal,
  out: Output,
  allowMassDelete: boolean,
): Promise<'ok' | 'failed'> {
  let report: SyncReport
  try {
    const { name: _n, kind: _k, ...config } = s
    report = await syncSource(
      {
        name: s.name,
        connector: createConnector(s, {
          env,
          cacheDir: join(ctx.config.dataDir, 'sync-cache'),
          log: (line) => out.progress(`${s.name}: ${line}`),
        }),
        audience: s.audience,
        config,
      },
      {
        db: ctx.database.db,
        embedder: ctx.embedder,
        maxBytes: ctx.config.maxFileBytes,
        log: (line) => out.progress(`${s.name}: ${line}`),
        actor: CLI_ACTOR,
        signal,
        // The embedded database is this process's alone (the data directory's lock).
        takeOverLease: !ctx.config.database,
        maxDeleteShare: s.maxDeleteShare,
        allowMassDelete,
      },
    )
  } catch (e) {
    if (!isConnectorError(e)) throw e
    out.result(`${s.name}: not synced: ${e.message}`)
    return 'failed'
  }
  out.result(describe(report))
  for (const f of report.failures) out.result(`  failed ${f.id}${f.title ? ` (${f.title})` : ''}: ${f.error}`)
  return report.status === 'ok' && report.failed === 0 ? 'ok' : 'failed'
}

function describe(r: SyncReport): string {
  if (r.status === 'busy')
    return `${r.source}: another sync of this source is running${r.busyUntil ? ` (its lease runs until ${r.busyUntil})` : ''}; not synced.`
  if (r.status === 'interrupted')
    return `${r.source}: stopped after ${(r.ms / 1000).toFixed(1)} s (${r.seen} seen, ${r.changed} changed, ${r.deleted} deleted, ${r.failed} failed); the next run resumes.`
  const counts = `${r.seen} seen, ${r.changed} changed, ${r.deleted} deleted, ${r.failed} failed, ${r.embeddedChunks} passages embedded`
  return r.status === 'ok'
    ? `${r.source}: synced in ${(r.ms / 1000).toFixed(1)} s: ${counts}.`
    : `${r.source}: sync failed after ${(r.ms / 1000).toFixed(1)} s (${counts}): ${r.error}`
}

export function renderSources(list: SourceStatus[]): string {
  if (list.length === 0) return 'No wiki sources yet: run "policybot sync --sources FILE".'
  const span = (s: number) =>
    s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`
  const lag = (s: number | null) => (s === null ? 'never synced' : `${span(s)} ago`)
  const freshness = (f: SourceStatus['freshness']) =>
    f && f.medianSeconds !== null && f.maxSeconds !== null
      ? `; changes answerable ${span(f.medianSeconds)} after the edit (median of ${f.pages}, max ${span(f.maxSeconds)})`
      : ''
  return list
    .map((s) => {
      const r = s.lastRun
      const run = r
        ? `last run ${r.status}: ${r.seen} seen, ${r.changed} changed, ${r.deleted} deleted, ${r.failed} failed`
        : 'no run yet'
      return `${s.name} (${s.kind}): ${s.pages} pages; last success ${lag(s.lagSeconds)}${freshness(s.freshness)}; ${run}${s.lastError ? `; error: ${s.lastError}` : ''}`
    })
    .join('\n')
}

/**
 * `policybot sources remove NAME [--yes]`: retires a wiki source. Its pages leave the index and the
 * approved answers citing them are withdrawn, its bookkeeping and run history go, and the
 * Worker's cron stops syncing it; all in one transaction, each removal in the audit log. Without
 * `--yes`, a terminal is asked to type the source's name after seeing the counts; a script is told
 * to pass `--yes`. Returns the exit code.
 */
export async function removeSourceCommand(
  ctx: Context,
  name: string,
  o: { yes: boolean; confirm?: (question: string) => Promise<string> },
  out: Output,
): Promise<number> {
  const db = ctx.database.db
  const [source] = await db.select().from(syncSources).where(eq(syncSources.name, name))
  if (!source) {
    out.result(`No source named "${name}" (see "policybot sources").`)
    return 1
  }
  const prefix = `${name}/`
  const docs = await queryRows<{ id: number; source_path: string }>(
    db,
    sql`SELECT id, source_path FROM documents
        WHERE source_kind = ${source.kind} AND deleted_at IS NULL AND left(source_path, ${prefix.length}) = ${prefix}`,
    'pages of a source',
  )
  const ids = toIntArray(docs.map((d) => d.id))
  const [{ n: answers } = { n: 0 }] = await queryRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM approved_answers
        WHERE withdrawn_at IS NULL AND document_ids && ${ids}::integer[]`,
    'approved answers citing a source',
  )
  const what = `${docs.length} page${docs.length === 1 ? '' : 's'} leave the index and ${answers} approved answer${answers === 1 ? '' : 's'} citing them ${answers === 1 ? 'is' : 'are'} withdrawn`
  if (!o.yes) {
    if (!o.confirm) {
      out.result(`Removing source "${name}": ${what}. Run again with --yes to remove it.`)
      return 1
    }
    const typed = await o.confirm(`Remove source "${name}"? ${what}. Type the source's name to confirm: `)
    if (typed.trim() !== name) {
      out.result('Not removed.')
      return 1
    }
  }
  await db.transaction(async (tx) => {
    const t = tx as unknown as typeof db
    for (const d of docs)
      await deleteDocument(t, source.kind, d.source_path, { actor: CLI_ACTOR, detail: { source: name } })
    await t.delete(syncRuns).where(eq(syncRuns.source, name))
    // Its items go with it (ON DELETE CASCADE).
    await t.delete(syncSources).where(eq(syncSources.name, name))
    await appendAudit(t, {
      actor: CLI_ACTOR,
      action: 'delete',
      subject: `source:${name}`,
      detail: { kind: source.kind, pages: docs.length, withdrawnAnswers: answers },
    })
  })
  out.result(
    `Removed source "${name}": ${docs.length} page${docs.length === 1 ? '' : 's'} taken out of the index, ${answers} approved answer${answers === 1 ? '' : 's'} withdrawn.`,
  )
  return 0
}

const toIntArray = (ids: number[]) => `{${ids.join(',')}}`
