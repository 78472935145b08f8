import type { Output } from '../output'

/** One runner as `policybot runners` shows it. */
export interface RunnerStatus {
  url: string
  /** `ready`, `not ready` (it answered 503), or `unreachable` (with why). */
  state: 'ready' | 'not ready' | 'unreachable'
  error?: string
  models: Array<{
    name: string
    state: string
    generation: number | null
    inflight: number
    queued: number
    draining: number
    adapters: Array<{ name: string; department: string | null; scale: number; status: string }>
    dropped: Array<{ name: string; error: string }>
  }>
}

/** The runners to ask: `RUNNERS` (comma- or space-separated URLs), else `RUNNER_URL`. */
export function runnerUrls(env: Readonly<Record<string, string | undefined>>): string[] {
  const list = (env.RUNNERS ?? env.RUNNER_URL ?? '').split(/[\s,]+/).filter(Boolean)
  return [...new Set(list.map((u) => u.replace(/\/+$/, '')))]
}

/**
 * `policybot runners [--json]`: each GPU runner's models (state, generation, in flight, queued,
 * draining), adapters with their department and status, and adapters left out. Reads `/readyz`
 * (open) and `/v1/adapters` (with `RUNNER_TOKEN`). Exit 1 when a runner is unreachable or
 * serves nothing, so a script or a cron can alert on it.
 */
export async function runnersCommand(
  env: Readonly<Record<string, string | undefined>>,
  json: boolean,
  out: Output,
  fetchImpl: typeof fetch = fetch,
): Promise<number> {
  const urls = runnerUrls(env)
  if (urls.length === 0) {
    out.result('No runner configured: set RUNNER_URL (one) or RUNNERS (a list of URLs).')
    return 2
  }
  const headers: Record<string, string> = env.RUNNER_TOKEN
    ? { authorization: `Bearer ${env.RUNNER_TOKEN}` }
    : {}
  const statuses = await Promise.all(urls.map((url) => runnerStatus(url, headers, fetchImpl)))
  out.result(json ? JSON.stringify(statuses, null, 2) : statuses.map(renderRunner).join('\n'))
  return statuses.every((s) => s.state === 'ready') ? 0 : 1
}

async function runnerStatus(
  url: string,
  headers: Record<string, string>,
  fetchImpl: typeof fetch,
): Promise<RunnerStatus> {
  try {
    const ready = await fetchImpl(`${url}/readyz`, { signal: AbortSignal.timeout(5000) })
    const body = (await ready.json()) as {
      models?: Array<{
        name: string
        state: string
        generation?: number | null
        inflight?: number
        queued?: number
        draining?: number
        dropped?: Array<{ name: string; error: string }>
      }>
    }
    const listed = await fetchImpl(`${url}/v1/adapters`, { headers, signal: AbortSignal.timeout(5000) })
    const adapters = listed.ok
      ? (
          (await listed.json()) as {
            data: Array<{
              name: string
              base: string
              department: string | null
              scale: number
              status: string
            }>
          }
        ).data
      : []
    return {
      url,
      state: ready.status === 200 ? 'ready' : 'not ready',
      ...(listed.ok ? {} : { error: `/v1/adapters answered ${listed.status} (check RUNNER_TOKEN)` }),
      models: (body.models ?? []).map((m) => ({
        name: m.name,
        state: m.state,
        generation: m.generation ?? null,
        inflight: m.inflight ?? 0,
        queued: m.queued ?? 0,
        draining: m.draining ?? 0,
        adapters: adapters
          .filter((a) => a.base === m.name)
          .map((a) => ({ name: a.name, department: a.department, scale: a.scale, status: a.status })),
        dropped: m.dropped ?? [],
      })),
    }
  } catch (e) {
    return { url, state: 'unreachable', error: e instanceof Error ? e.message : String(e), models: [] }
  }
}

function renderRunner(s: RunnerStatus): string {
  const head = `${s.url}: ${s.state}${s.error ? ` (${s.error})` : ''}`
  const models = s.models.map((m) => {
    const adapters = m.adapters.length
      ? m.adapters
          .map(
            (a) =>
              `${a.name}${a.department ? ` [${a.department}]` : ''}${a.status === 'serving' ? '' : ` (${a.status})`}`,
          )
          .join(', ')
      : 'no adapters'
    const dropped = m.dropped.length
      ? `; left out: ${m.dropped.map((d) => `${d.name} (${d.error})`).join(', ')}`
      : ''
    return `  ${m.name}: ${m.state}, generation ${m.generation ?? '-'}, ${m.inflight} in flight, ${m.queued} queued${m.draining ? `, ${m.draining} draining` : ''}; ${adapters}${dropped}`
  })
  return [head, ...models].join('\n')
}
