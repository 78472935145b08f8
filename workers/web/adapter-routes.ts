import { Hono } from 'hono'
import { workerConfig } from '../config'
import { problem } from '../http'
import { type ConsoleEnv, requireRole } from './auth'

/**
 * The console's view of the GPU runner's LoRA adapters (`/api/adapters`), for admins: the runner's
 * own adapter API (`GET/POST/DELETE /v1/adapters`, gpu-runner/api/adapters.ts) through the Worker,
 * with the runner's token, which the browser never sees. The runner checks an uploaded file and
 * swaps it in without downtime; its errors are passed on with their status and message.
 */
export const adapterRoutes = new Hono<ConsoleEnv>()

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

function runnerOf(c: { env: ConsoleEnv['Bindings'] }) {
  return workerConfig(c.env).runner
}

async function callRunner(
  c: { env: ConsoleEnv['Bindings'] },
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown } | { unreachable: string }> {
  const runner = runnerOf(c)
  if (!runner) return { unreachable: 'no runner is configured (RUNNER_URL)' }
  const headers = new Headers(init.headers)
  if (runner.token) headers.set('authorization', `Bearer ${runner.token}`)
  try {
    const res = await fetch(new URL(path, runner.url.endsWith('/') ? runner.url : `${runner.url}/`), {
      ...init,
      headers,
    })
    const body = await res.json().catch(() => ({}))
    return { status: res.status, body }
  } catch (e) {
    return {
      unreachable: `the runner at ${new URL(runner.url).origin} did not answer (${(e as Error).message})`,
    }
  }
}

/** The runner's error as ours: its status (4xx stays the caller's), its message. */
function passOn(c: { json: (b: unknown, s: 400) => Response }, r: { status: number; body: unknown }) {
  const message =
    (r.body as { error?: { message?: string } } | undefined)?.error?.message ??
    `the runner answered ${r.status}`
  const status = (r.status >= 400 && r.status < 500 ? r.status : 502) as 400
  return c.json(problem(message, r.status < 500 ? 'RUNNER_REFUSED' : 'RUNNER_ERROR'), status)
}

/** Base models and their adapters, with the department each serves. */
adapterRoutes.get('/adapters', requireRole('admin'), async (c) => {
  if (!runnerOf(c)) return c.json({ configured: false, models: [], adapters: [] })
  const [models, adapters] = await Promise.all([callRunner(c, 'v1/models'), callRunner(c, 'v1/adapters')])
  for (const r of [models, adapters]) {
    if ('unreachable' in r) return c.json(problem(r.unreachable, 'RUNNER_UNAVAILABLE', 'server_error'), 502)
    if (r.status !== 200) return passOn(c, r)
  }
  const list = (r: unknown) =>
    ((r as { body?: { data?: unknown[] } }).body?.data ?? []) as Array<Record<string, unknown>>
  c.header('cache-control', 'no-store')
  return c.json({
    configured: true,
    // Bases: the runner's models that are not adapters (adapters are listed as `base:name` too).
    models: list(models)
      .map((m) => String(m.id))
      .filter((id) => !id.includes(':')),
    adapters: list(adapters).map((a) => ({
      id: a.id,
      name: a.name,
      base: a.base,
      department: a.department ?? null,
      scale: a.scale,
      status: a.status,
    })),
  })
})

/** `POST /api/adapters?base=&name=&department=&replace=`: the GGUF file as the body. */
adapterRoutes.post('/adapters', requireRole('admin'), async (c) => {
  const base = c.req.query('base') ?? ''
  const name = c.req.query('name') ?? ''
  const department = (c.req.query('department') ?? '').trim()
  if (!NAME.test(base) || !NAME.test(name))
    return c.json(problem('base and name: letters, digits, ".", "_", "-" (at most 64)', 'BAD_REQUEST'), 400)
  if (department.length > 64) return c.json(problem('department: at most 64 characters', 'BAD_REQUEST'), 400)
  const query = new URLSearchParams({ base, name, ...(department ? { department } : {}) })
  if (c.req.query('replace') === 'true') query.set('replace', 'true')
  const r = await callRunner(c, `v1/adapters?${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: await c.req.arrayBuffer(),
  })
  if ('unreachable' in r) return c.json(problem(r.unreachable, 'RUNNER_UNAVAILABLE', 'server_error'), 502)
  if (r.status >= 300) return passOn(c, r)
  return c.json(r.body, 201)
})

adapterRoutes.delete('/adapters/:id', requireRole('admin'), async (c) => {
  const id = c.req.param('id')
  const [base, name, ...rest] = id.split(':')
  if (!base || !name || rest.length || !NAME.test(base) || !NAME.test(name))
    return c.json(problem('adapter id is base:name', 'BAD_REQUEST'), 400)
  const r = await callRunner(c, `v1/adapters/${encodeURIComponent(`${base}:${name}`)}`, { method: 'DELETE' })
  if ('unreachable' in r) return c.json(problem(r.unreachable, 'RUNNER_UNAVAILABLE', 'server_error'), 502)
  if (r.status >= 300) return passOn(c, r)
  return c.json({ ok: true })
})
