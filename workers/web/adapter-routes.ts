import { Hono } from 'hono'
import { workerConfig } from '../config'
import { problem } from '../http'
import type { RunnerEndpoint } from '../runners/fleet'
import { type ConsoleEnv, requireRole } from './auth'

/**
 * The console's view of the GPU runners' LoRA adapters (`/api/adapters`), for admins: each
 * runner's own adapter API (`GET/POST/DELETE /v1/adapters`, gpu-runner/api/adapters.ts) through
 * the Worker, with the runners' tokens, which the browser never sees. With several runners
 * (`RUNNERS`) the list says which runners hold each adapter, an upload goes to the runners chosen
 * (all by default) and a removal to every runner holding it; each runner's answer is reported, so
 * an upload that one runner refused is never shown as done. A runner checks an uploaded file and
 * swaps it in without downtime; its errors are passed on with their status and message.
 */
export const adapterRoutes = new Hono<ConsoleEnv>()

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

type Bindings = { env: ConsoleEnv['Bindings'] }

function runnersOf(c: Bindings): readonly RunnerEndpoint[] {
  return workerConfig(c.env).runners
}

type Answer = { status: number; body: unknown } | { unreachable: string }

async function callRunner(runner: RunnerEndpoint, path: string, init: RequestInit = {}): Promise<Answer> {
  const headers = new Headers(init.headers)
  if (runner.token) headers.set('authorization', `Bearer ${runner.token}`)
  try {
    const res = await fetch(new URL(path, `${runner.url}/`), { ...init, headers })
    const body = await res.json().catch(() => ({}))
    return { status: res.status, body }
  } catch (e) {
    return {
      unreachable: `the runner at ${new URL(runner.url).origin} did not answer (${(e as Error).message})`,
    }
  }
}

const messageOf = (r: Answer) =>
  'unreachable' in r
    ? r.unreachable
    : ((r.body as { error?: { message?: string } } | undefined)?.error?.message ??
      `the runner answered ${r.status}`)

/**
 * One answer per runner as the caller's response: all succeeded → `ok`; otherwise the first
 * failure's status (a runner's 4xx stays the caller's, anything else is a 502) with a message
 * naming the runners that did it and those that did not.
 */
function outcome(
  c: { json: (b: unknown, s: 400) => Response },
  runners: readonly RunnerEndpoint[],
  answers: Answer[],
  ok: (r: { status: number; body: unknown }) => boolean,
): Response | undefined {
  const results = runners.map((r, i) => {
    const a = answers[i] as Answer
    return {
      runner: r.url,
      ok: !('unreachable' in a) && ok(a),
      ...('unreachable' in a || !ok(a) ? { error: messageOf(a) } : {}),
    }
  })
  const failed = answers.findIndex((a) => 'unreachable' in a || !ok(a))
  if (failed < 0) return undefined
  const first = answers[failed] as Answer
  const status = 'unreachable' in first || first.status >= 500 || first.status < 400 ? 502 : first.status
  const done = results.filter((r) => r.ok).map((r) => r.runner)
  const message =
    runners.length === 1
      ? messageOf(first)
      : `${results
          .filter((r) => !r.ok)
          .map((r) => `${r.runner}: ${r.error}`)
          .join('; ')}${done.length ? ` (done on ${done.join(', ')})` : ''}`
  const code =
    'unreachable' in first ? 'RUNNER_UNAVAILABLE' : status === 502 ? 'RUNNER_ERROR' : 'RUNNER_REFUSED'
  return c.json(
    { ...problem(message, code, status === 502 ? 'server_error' : 'invalid_request'), results },
    status as 400,
  )
}

/** Base models and their adapters, with the department each serves and the runners holding it. */
adapterRoutes.get('/adapters', requireRole('admin'), async (c) => {
  const runners = runnersOf(c)
  if (!runners.length) return c.json({ configured: false, models: [], adapters: [], runners: [] })
  const read = await Promise.all(
    runners.map(async (r) => {
      const [models, adapters] = await Promise.all([callRunner(r, 'v1/models'), callRunner(r, 'v1/adapters')])
      for (const a of [models, adapters]) if ('unreachable' in a || a.status !== 200) return { r, error: a }
      return { r, models, adapters }
    }),
  )
  // Nobody answered: the caller is told why (one runner: its own words and status).
  if (read.every((x) => 'error' in x)) {
    const first = (read[0] as { error: Answer }).error
    return outcome(c, [runners[0] as RunnerEndpoint], [first], () => false) as Response
  }
  const list = (r: unknown) =>
    ((r as { body?: { data?: unknown[] } }).body?.data ?? []) as Array<Record<string, unknown>>
  const models = new Set<string>()
  const adapters = new Map<
    string,
    {
      id: string
      name: unknown
      base: unknown
      department: unknown
      scale: unknown
      status: string
      runners: Array<{ url: string; status: string }>
    }
  >()
  for (const x of read) {
    if ('error' in x) continue
    // Bases: the runner's models that are not adapters (adapters are listed as `base:name` too).
    for (const m of list(x.models)) if (!String(m.id).includes(':')) models.add(String(m.id))
    for (const a of list(x.adapters)) {
      const id = String(a.id)
      const seen = adapters.get(id)
      const status = String(a.status)
      if (seen) {
        seen.runners.push({ url: x.r.url, status })
        if (status !== 'serving') seen.status = status
      } else
        adapters.set(id, {
          id,
          name: a.name,
          base: a.base,
          department: a.department ?? null,
          scale: a.scale,
          status,
          runners: [{ url: x.r.url, status }],
        })
    }
  }
  c.header('cache-control', 'no-store')
  return c.json({
    configured: true,
    models: [...models],
    adapters: [...adapters.values()],
    runners: read.map((x) => ({
      url: x.r.url,
      ...('error' in x ? { error: messageOf(x.error as Answer) } : {}),
    })),
  })
})

/**
 * `POST /api/adapters?base=&name=&department=&replace=&runners=0,2`: the GGUF file as the body,
 * to the runners listed (their places in RUNNERS, from 0; default all).
 */
adapterRoutes.post('/adapters', requireRole('admin'), async (c) => {
  const base = c.req.query('base') ?? ''
  const name = c.req.query('name') ?? ''
  const department = (c.req.query('department') ?? '').trim()
  if (!NAME.test(base) || !NAME.test(name))
    return c.json(problem('base and name: letters, digits, ".", "_", "-" (at most 64)', 'BAD_REQUEST'), 400)
  if (department.length > 64) return c.json(problem('department: at most 64 characters', 'BAD_REQUEST'), 400)
  const all = runnersOf(c)
  if (!all.length)
    return c.json(
      problem('no runner is configured (RUNNER_URL or RUNNERS)', 'RUNNER_UNAVAILABLE', 'server_error'),
      502,
    )
  const picked = (c.req.query('runners') ?? '').trim()
  const indexes = picked ? picked.split(',').map((s) => Number(s.trim())) : all.map((_, i) => i)
  if (!indexes.length || indexes.some((i) => !Number.isInteger(i) || i < 0 || i >= all.length))
    return c.json(problem(`runners: places in RUNNERS, from 0 to ${all.length - 1}`, 'BAD_REQUEST'), 400)
  const targets = [...new Set(indexes)].map((i) => all[i] as RunnerEndpoint)
  const query = new URLSearchParams({ base, name, ...(department ? { department } : {}) })
  if (c.req.query('replace') === 'true') query.set('replace', 'true')
  const body = await c.req.arrayBuffer()
  const answers = await Promise.all(
    targets.map((r) =>
      callRunner(r, `v1/adapters?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body,
      }),
    ),
  )
  const failed = outcome(c, targets, answers, (a) => a.status < 300)
  if (failed) return failed
  return c.json({ ...((answers[0] as { body: object }).body ?? {}), runners: targets.map((r) => r.url) }, 201)
})

/** Removes an adapter from every runner that holds it. */
adapterRoutes.delete('/adapters/:id', requireRole('admin'), async (c) => {
  const id = c.req.param('id')
  const [base, name, ...rest] = id.split(':')
  if (!base || !name || rest.length || !NAME.test(base) || !NAME.test(name))
    return c.json(problem('adapter id is base:name', 'BAD_REQUEST'), 400)
  const all = runnersOf(c)
  if (!all.length)
    return c.json(
      problem('no runner is configured (RUNNER_URL or RUNNERS)', 'RUNNER_UNAVAILABLE', 'server_error'),
      502,
    )
  const answers = await Promise.all(
    all.map((r) =>
      callRunner(r, `v1/adapters/${encodeURIComponent(`${base}:${name}`)}`, { method: 'DELETE' }),
    ),
  )
  // A runner that never held it is not a failure, unless none did.
  if (answers.every((a) => !('unreachable' in a) && a.status === 404))
    return outcome(c, [all[0] as RunnerEndpoint], [answers[0] as Answer], () => false) as Response
  const failed = outcome(c, all, answers, (a) => a.status < 300 || a.status === 404)
  if (failed) return failed
  return c.json({ ok: true })
})
