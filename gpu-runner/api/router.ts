import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AdapterRegistry } from '../adapter-registry'
import { RunnerError } from '../errors'
import type { Logger } from '../log'
import type { RunnerMetrics } from '../metrics'
import type { ModelPool } from '../pool/model-pool'
import { addAdapter, deleteAdapter, describeAdapter, listAdapters, patchAdapter } from './adapters'
import { createAuthCheck } from './auth'
import { sendError, sendJson } from './http-io'
import { handleInference, type InferenceRoute, responseAdapter, responseModel } from './inference'
import { renderMetrics } from './metrics-route'

/**
 * The runner's HTTP surface on plain `node:http` (a proxy hot path: no framework between the
 * socket and the pipe). `/healthz` and `/readyz` are open (probes); everything else needs the
 * bearer token when one is configured.
 */
export interface RouterContext {
  pools: ReadonlyMap<string, ModelPool>
  registry: AdapterRegistry
  metrics: RunnerMetrics
  apiKey: string | undefined
  maxBodyBytes: number
  maxAdapterBytes: number
  requestTimeoutMs: number
  /** Seconds since the epoch at start (OpenAI's `created`). */
  created: number
  isClosing: () => boolean
  /** Where each generation request is logged (model, adapter, status, time; never text). */
  log?: Logger
}

const INFERENCE = new Set<string>(['/v1/chat/completions', '/v1/completions', '/v1/embeddings'])
/** The other routes, as the `route` label names them. */
const ROUTES = new Set<string>(['/healthz', '/readyz', '/metrics', '/v1/models', '/v1/instances'])

export function createRouter(ctx: RouterContext): (req: IncomingMessage, res: ServerResponse) => void {
  const authorize = createAuthCheck(ctx.apiKey)
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://runner')
    const path = url.pathname
    // A path no route serves is one label value: raw paths (anyone can send them, unauthenticated)
    // would grow /metrics without bound.
    const route = INFERENCE.has(path)
      ? path
      : path === '/v1/adapters' || path.startsWith('/v1/adapters/')
        ? '/v1/adapters'
        : ROUTES.has(path)
          ? path
          : 'other'
    const started = performance.now()
    res.once('close', () => {
      const model = responseModel.get(res) ?? ''
      const adapter = responseAdapter.get(res) ?? ''
      const status = String(res.statusCode)
      ctx.metrics.requests.inc({ route, model, adapter, status })
      // One line per generation request: what an operator reads to see which adapter answered.
      // No prompt or output text: those are employees' questions.
      if (INFERENCE.has(route))
        ctx.log?.('info', 'request', {
          route,
          model,
          adapter: adapter || null,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        })
    })
    route_(req, res, url, authorize).catch((e) => sendError(req, res, e))
  }

  async function route_(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    authorize: (req: IncomingMessage) => void,
  ): Promise<void> {
    const path = url.pathname
    const method = req.method ?? 'GET'
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' })
    if (path === '/readyz') return readyz(res)
    authorize(req)
    if (ctx.isClosing())
      throw new RunnerError('SHUTTING_DOWN', 'the runner is shutting down', { retryAfter: 5 })
    const only = (m: string) => {
      if (method !== m) throw new RunnerError('METHOD_NOT_ALLOWED', `${path} takes ${m}`)
    }
    if (INFERENCE.has(path)) {
      only('POST')
      return handleInference(path as InferenceRoute, req, res, ctx)
    }
    if (path === '/metrics') {
      only('GET')
      const text = await renderMetrics(ctx.metrics, ctx.pools)
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
      return void res.end(text)
    }
    if (path === '/v1/models') {
      only('GET')
      return models(res)
    }
    if (path === '/v1/instances') {
      only('GET')
      return instances(res)
    }
    if (path === '/v1/adapters') {
      if (method === 'GET') return listAdapters(res, ctx)
      only('POST')
      return addAdapter(req, res, ctx, url)
    }
    if (path.startsWith('/v1/adapters/')) {
      const id = decodeURIComponent(path.slice('/v1/adapters/'.length))
      if (method === 'PATCH') return patchAdapter(req, res, ctx, id)
      only('DELETE')
      return deleteAdapter(res, ctx, id)
    }
    throw new RunnerError('NOT_FOUND', `no route ${method} ${path}`)
  }

  function readyz(res: ServerResponse): void {
    const models = [...ctx.pools.values()].map((p) => ({
      name: p.model.name,
      state: p.state,
      generation: p.current?.id ?? null,
      pid: p.current?.process.pid ?? null,
      adapters: p.current?.adapters.map((a) => a.name) ?? [],
      // Registered but left out: their file fails its check (deleted or damaged since).
      dropped: [...p.dropped].map(([name, error]) => ({ name, error })),
      inflight: p.limiter.active,
      queued: p.limiter.queued,
      draining: p.generations.filter((g) => g.retired).length,
    }))
    const ready = !ctx.isClosing() && models.some((m) => m.state === 'ready')
    sendJson(res, ready ? 200 : 503, { ready, models }, ready ? {} : { 'retry-after': '2' })
  }

  /** Every live llama-server generation (operators; the benchmark's direct baseline). */
  function instances(res: ServerResponse): void {
    const data = [...ctx.pools.values()].flatMap((p) =>
      p.generations.map((g) => ({
        model: p.model.name,
        generation: g.id,
        current: p.current === g,
        state: g.process.state,
        pid: g.process.pid ?? null,
        url: g.process.port ? g.process.url : null,
        adapters: g.adapters.map((a) => a.name),
        inflight: g.inflight,
        retired: g.retired,
      })),
    )
    sendJson(res, 200, { object: 'list', data })
  }

  function models(res: ServerResponse): void {
    const data: unknown[] = []
    for (const pool of ctx.pools.values()) {
      const m = pool.model
      data.push({
        id: m.name,
        object: 'model',
        created: ctx.created,
        owned_by: 'policybot-runner',
        ready: pool.state === 'ready',
        meta: { context_size: m.contextSize, parallel: m.parallel, embeddings: m.embeddings },
      })
      for (const a of ctx.registry.list(m.name)) {
        const d = describeAdapter(a, pool)
        data.push({
          id: d.id,
          object: 'model',
          created: ctx.created,
          owned_by: 'policybot-runner',
          parent: m.name,
          ready: d.status === 'serving',
          meta: { adapter: a.name, department: d.department, scale: a.scale },
        })
      }
    }
    sendJson(res, 200, { object: 'list', data })
  }
}
