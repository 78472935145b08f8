import { Hono } from 'hono'
import { constantTimeEqual } from '../../bots/hmac'
import { type SourceStatus, sourceStatuses } from '../../wiki-sync/state'
import { workerConfig } from '../config'
import type { Env } from '../env'
import { problem } from '../http'
import { withServices } from '../services'

/**
 * `GET /metrics`: Prometheus text exposition of each wiki source's freshness, for a scraper that
 * alerts when a source falls behind. Only with METRICS_TOKEN set (otherwise 404), and only with it
 * as the bearer (401). Labels are the configured sources' names: a bounded set.
 */
export const metricsRoutes = new Hono<{ Bindings: Env }>()

metricsRoutes.get('/', async (c) => {
  const token = workerConfig(c.env).metricsToken
  if (!token) return c.json(problem(`No route for GET ${c.req.path}`, 'NOT_FOUND', 'not_found'), 404)
  const bearer = /^Bearer +(\S+) *$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? ''
  if (!constantTimeEqual(bearer, token)) {
    c.header('www-authenticate', 'Bearer realm="policybot metrics"')
    return c.json(
      problem('Send the METRICS_TOKEN as a bearer token.', 'UNAUTHORIZED', 'authentication_error'),
      401,
    )
  }
  const statuses = await withServices(c.env, c.executionCtx, (svc) => sourceStatuses(svc.db))
  c.header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  c.header('cache-control', 'no-store')
  return c.body(renderMetrics(statuses))
})

/** A label value as the exposition format quotes it. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

export function renderMetrics(statuses: readonly SourceStatus[]): string {
  const families: Array<[name: string, help: string, value: (s: SourceStatus) => number | null]> = [
    ['policybot_sync_pages', 'Pages of the source in the index.', (s) => s.pages],
    ['policybot_sync_failing_pages', 'Pages whose last sync failed (retried every run).', (s) => s.failing],
    [
      'policybot_sync_last_success_timestamp_seconds',
      'When the last successful run finished (Unix time); every change dated before its start is answerable.',
      (s) => (s.lastSuccessAt ? Date.parse(s.lastSuccessAt) / 1000 : null),
    ],
    [
      'policybot_sync_last_run_ok',
      '1 when the last run finished ok, 0 when it failed, was interrupted or abandoned.',
      (s) => (s.lastRun ? (s.lastRun.status === 'ok' ? 1 : 0) : null),
    ],
    [
      'policybot_sync_change_lag_median_seconds',
      "Median time from a change's timestamp at the source to answerable, over the last run that made dated changes answerable.",
      (s) => s.freshness?.medianSeconds ?? null,
    ],
    [
      'policybot_sync_change_lag_max_seconds',
      "Longest time from a change's timestamp at the source to answerable, over the same run.",
      (s) => s.freshness?.maxSeconds ?? null,
    ],
  ]
  const lines: string[] = []
  for (const [name, help, value] of families) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`)
    for (const s of statuses) {
      const v = value(s)
      if (v !== null) lines.push(`${name}{source="${label(s.name)}",kind="${label(s.kind)}"} ${v}`)
    }
  }
  return `${lines.join('\n')}\n`
}
