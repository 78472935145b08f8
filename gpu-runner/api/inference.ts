import type { IncomingMessage, ServerResponse } from 'node:http'
import { RunnerError } from '../errors'
import type { RunnerMetrics } from '../metrics'
import type { ModelPool } from '../pool/model-pool'
import { canAggregate } from './chat-aggregate'
import { readJsonObject } from './http-io'
import { forward } from './upstream'

/**
 * `POST /v1/chat/completions`, `/v1/completions` and `/v1/embeddings`: pick the base model and
 * adapter from the request (`"base:adapter"` or the `adapter` extension field), wait for a slot,
 * and forward to that model's current llama-server generation with an explicit, complete `lora`
 * list. llama-server treats `lora: []` as "use the global scales", ignores unknown ids and reuses
 * the prompt cache across LoRA changes when the list is missing (notes/llama-server.md §6), so the
 * list is never left out while adapters are loaded and client-sent `lora` ids are refused.
 */
export type InferenceRoute = '/v1/chat/completions' | '/v1/completions' | '/v1/embeddings'

export interface InferenceContext {
  pools: ReadonlyMap<string, ModelPool>
  metrics: RunnerMetrics
  maxBodyBytes: number
  requestTimeoutMs: number
}

/** Resolves `model` (and the optional `adapter` field) to a pool and an adapter name. */
export function resolveModel(
  pools: ReadonlyMap<string, ModelPool>,
  model: unknown,
  adapterField: unknown,
): { pool: ModelPool; adapter: string | undefined } {
  if (typeof model !== 'string' || model === '') {
    throw new RunnerError('INVALID_REQUEST', '`model` is required: a base model or "base:adapter"', {
      param: 'model',
    })
  }
  if (adapterField !== undefined && adapterField !== null && typeof adapterField !== 'string') {
    throw new RunnerError('INVALID_REQUEST', '`adapter` must be a string (an adapter name) or null', {
      param: 'adapter',
    })
  }
  const colon = model.indexOf(':')
  const base = colon < 0 ? model : model.slice(0, colon)
  const fromName = colon < 0 ? undefined : model.slice(colon + 1)
  const pool = pools.get(base)
  if (!pool) {
    throw new RunnerError('MODEL_NOT_FOUND', `no model "${base}"; GET /v1/models lists them`, {
      param: 'model',
    })
  }
  const fromField = typeof adapterField === 'string' && adapterField !== '' ? adapterField : undefined
  if (fromName !== undefined && fromField !== undefined && fromName !== fromField) {
    throw new RunnerError(
      'INVALID_REQUEST',
      `"${model}" and adapter "${fromField}" disagree; name one adapter`,
      {
        param: 'adapter',
      },
    )
  }
  return { pool, adapter: fromName || fromField }
}

/** The model each response served, for the router's request counter. */
export const responseModel = new WeakMap<ServerResponse, string>()
/**
 * The adapter each response was generated with, once a slot was leased for it (so only
 * registered adapters become label values: a request naming anything else fails before).
 */
export const responseAdapter = new WeakMap<ServerResponse, string>()

/** Validates, waits for a slot, forwards; errors are thrown for the router to send. */
export async function handleInference(
  route: InferenceRoute,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: InferenceContext,
): Promise<void> {
  const started = performance.now()
  const body = await readJsonObject(req, ctx.maxBodyBytes)
  const { pool, adapter } = resolveModel(ctx.pools, body.model, body.adapter)
  const labels = { route, model: pool.model.name }
  responseModel.set(res, pool.model.name)
  if (body.lora !== undefined) {
    throw new RunnerError(
      'INVALID_REQUEST',
      'llama-server `lora` ids are internal to the runner: choose an adapter with "model": "base:adapter" or "adapter"',
      { param: 'lora' },
    )
  }
  if (route === '/v1/chat/completions' && (!Array.isArray(body.messages) || body.messages.length === 0)) {
    throw new RunnerError('INVALID_REQUEST', '`messages` must be a non-empty array', { param: 'messages' })
  }
  if (route === '/v1/completions' && body.prompt === undefined) {
    throw new RunnerError('INVALID_REQUEST', '`prompt` is required', { param: 'prompt' })
  }
  if (route === '/v1/embeddings') {
    if (body.input === undefined)
      throw new RunnerError('INVALID_REQUEST', '`input` is required', { param: 'input' })
    if (!pool.model.embeddings) {
      throw new RunnerError('INVALID_REQUEST', `model "${pool.model.name}" does not serve embeddings`, {
        param: 'model',
      })
    }
    if (adapter) {
      throw new RunnerError('INVALID_REQUEST', 'adapters apply to generation, not to embeddings', {
        param: 'model',
      })
    }
  }

  // One signal for everything that ends the request early: the client leaving, the time limit.
  const ac = new AbortController()
  const timer = setTimeout(
    () =>
      ac.abort(
        new RunnerError(
          'TIMEOUT',
          `the request took longer than ${ctx.requestTimeoutMs} ms and was cancelled`,
        ),
      ),
    ctx.requestTimeoutMs,
  )
  const onClose = () => {
    if (!res.writableFinished)
      ac.abort(new RunnerError('INVALID_REQUEST', 'the client closed the connection'))
  }
  res.on('close', onClose)
  try {
    const lease = await pool.lease(adapter, ac.signal)
    if (adapter) responseAdapter.set(res, adapter)
    try {
      const upstream = { ...body }
      delete upstream.adapter
      if (lease.lora && route !== '/v1/embeddings') upstream.lora = lease.lora
      // Non-streamed chat goes upstream as a stream so a timeout or a client leaving cancels it.
      const aggregate = route === '/v1/chat/completions' && canAggregate(body)
      if (aggregate) {
        upstream.stream = true
        upstream.stream_options = { include_usage: true }
      }
      const r = await forward(`${lease.url}${route}`, JSON.stringify(upstream), res, {
        signal: ac.signal,
        started,
        stream: body.stream === true || aggregate,
        aggregate,
      })
      if (r.firstByteMs !== undefined) ctx.metrics.firstByte.observe(labels, r.firstByteMs / 1000)
    } finally {
      lease.release()
    }
  } finally {
    clearTimeout(timer)
    res.off('close', onClose)
    ctx.metrics.duration.observe(labels, (performance.now() - started) / 1000)
  }
}
