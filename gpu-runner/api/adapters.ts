import { randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isAbsolute, join } from 'node:path'
import type { AdapterEntry, AdapterRegistry } from '../adapter-registry'
import { RunnerError } from '../errors'
import { type LoraAdapterInfo, validateLoraAdapter } from '../gguf/lora'
import type { ModelPool } from '../pool/model-pool'
import { readJsonObject, sendJson } from './http-io'

/**
 * The adapter API. `GET /v1/adapters` lists them; `POST /v1/adapters` registers a GGUF LoRA file
 * already on the host (JSON body) or uploads one (`application/octet-stream`, fields in the
 * query); `DELETE /v1/adapters/{base}:{name}` removes one. A new file is checked before anything
 * changes (a LoRA adapter GGUF whose architecture and tensor shapes fit the base model); then the
 * base model's adapter set is swapped without downtime, and the answer comes once new requests
 * are served by it. If the new generation cannot start, nothing changes and the error says why.
 */
export interface AdapterContext {
  pools: ReadonlyMap<string, ModelPool>
  registry: AdapterRegistry
  maxBodyBytes: number
  maxAdapterBytes: number
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function describeAdapter(a: AdapterEntry, pool: ModelPool | undefined) {
  const serving = pool?.current?.adapters.some((l) => l.name === a.name && l.path === a.path) ?? false
  const dropped = serving ? undefined : pool?.dropped.get(a.name)
  return {
    id: `${a.base}:${a.name}`,
    object: 'adapter',
    name: a.name,
    base: a.base,
    path: a.path,
    scale: a.scale,
    department: a.department ?? null,
    source: a.source,
    status: serving ? 'serving' : dropped !== undefined ? 'dropped' : 'loading',
    ...(dropped !== undefined ? { error: dropped } : {}),
  }
}

export function listAdapters(res: ServerResponse, ctx: AdapterContext): void {
  sendJson(res, 200, {
    object: 'list',
    data: ctx.registry.list().map((a) => describeAdapter(a, ctx.pools.get(a.base))),
  })
}

/** The adapter set a pool should load: the registry's, in a stable order. */
export function adapterSet(registry: AdapterRegistry, base: string) {
  return registry.list(base).map((a) => ({ name: a.name, path: a.path, scale: a.scale }))
}

export async function addAdapter(req: IncomingMessage, res: ServerResponse, ctx: AdapterContext, url: URL) {
  const upload = /^application\/octet-stream\b/i.test(req.headers['content-type'] ?? '')
  const fields: Record<string, unknown> = upload
    ? Object.fromEntries(url.searchParams)
    : await readJsonObject(req, ctx.maxBodyBytes)
  const name = fields.name
  const base = fields.base
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new RunnerError('INVALID_REQUEST', '`name`: letters, digits, ".", "_", "-" (at most 64)', {
      param: 'name',
    })
  }
  if (typeof base !== 'string' || !ctx.pools.has(base)) {
    throw new RunnerError('MODEL_NOT_FOUND', `\`base\`: no model named ${JSON.stringify(base)}`, {
      param: 'base',
    })
  }
  const pool = ctx.pools.get(base) as ModelPool
  const previous = ctx.registry.get(base, name)
  // Refused before a byte is written: a config adapter is changed in the config file.
  if (previous?.source === 'config') {
    throw new RunnerError(
      'ADAPTER_IN_CONFIG',
      `adapter "${base}:${name}" is defined in the config file; change it there`,
    )
  }
  // A replacement keeps what it does not restate (its scale and department).
  const scale = fields.scale === undefined ? (previous?.scale ?? 1) : Number(fields.scale)
  if (!(Number.isFinite(scale) && scale >= 0 && scale <= 10)) {
    throw new RunnerError('INVALID_REQUEST', '`scale` must be a number from 0 to 10', { param: 'scale' })
  }
  const department = typeof fields.department === 'string' ? fields.department : previous?.department
  const replace = fields.replace === true || fields.replace === 'true'
  if (previous && !replace) {
    throw new RunnerError(
      'ADAPTER_EXISTS',
      `adapter "${base}:${name}" exists; send replace=true to replace it`,
    )
  }

  let path: string
  if (upload) {
    const dir = ctx.registry.uploadDir(base)
    path = join(dir, `${name}-${Date.now()}-${randomBytes(3).toString('hex')}.gguf`)
    await receiveFile(req, `${path}.part`, ctx.maxAdapterBytes)
    renameSync(`${path}.part`, path)
  } else {
    if (typeof fields.path !== 'string' || !isAbsolute(fields.path) || !existsSync(fields.path)) {
      throw new RunnerError(
        'INVALID_REQUEST',
        '`path` must be an absolute path to a GGUF file on the runner host',
        {
          param: 'path',
        },
      )
    }
    path = fields.path
  }
  const discard = () => {
    if (upload) rmSync(path, { force: true })
  }

  let check: LoraAdapterInfo
  try {
    check = await validateLoraAdapter(path, pool.model.path)
  } catch (e) {
    discard()
    if ((e as { name?: unknown }).name !== 'GgufError') throw e
    const message = upload ? (e as Error).message.replaceAll(path, 'the uploaded file') : (e as Error).message
    throw new RunnerError('ADAPTER_INVALID', message, { cause: e })
  }
  let entry: AdapterEntry
  try {
    entry = ctx.registry.put({ name, base, path, scale, ...(department ? { department } : {}) }, replace)
  } catch (e) {
    // Another upload of the same new name won the race while this file was being received.
    discard()
    throw e
  }
  let swap: { generation: number; ms: number }
  try {
    swap = await pool.swap(adapterSet(ctx.registry, base))
  } catch (e) {
    ctx.registry.restore(previous, base, name)
    discard()
    throw new RunnerError(
      'SWAP_FAILED',
      `adapter "${base}:${name}" could not be loaded: ${(e as Error).message}`,
      {
        cause: e,
      },
    )
  }
  // The replaced upload is no longer loaded anywhere new (the old generation read it at start).
  if (
    previous?.source === 'api' &&
    previous.path !== path &&
    previous.path.startsWith(ctx.registry.stateDir)
  ) {
    rmSync(previous.path, { force: true })
  }
  sendJson(res, previous ? 200 : 201, {
    ...describeAdapter(entry, pool),
    generation: swap.generation,
    swap_ms: Math.round(swap.ms),
    size_bytes: statSync(path).size,
    tensors: check.tensorCount,
  })
}

/** `base:name` as the pool and the registry name it; ADAPTER_NOT_FOUND for anything else. */
function adapterId(ctx: AdapterContext, id: string) {
  const colon = id.indexOf(':')
  const base = colon < 0 ? '' : id.slice(0, colon)
  const name = id.slice(colon + 1)
  const pool = ctx.pools.get(base)
  if (!pool) throw new RunnerError('ADAPTER_NOT_FOUND', `no adapter "${id}" (use base:name)`)
  return { base, name, pool }
}

/**
 * Removes an API adapter without a new llama-server: requests for it get 404 at once, and the
 * current generation keeps it loaded (at scale 0) until the next one starts without it.
 */
export async function deleteAdapter(res: ServerResponse, ctx: AdapterContext, id: string) {
  const { base, name, pool } = adapterId(ctx, id)
  const removed = ctx.registry.remove(base, name)
  pool.forget(name)
  if (removed.path.startsWith(ctx.registry.stateDir)) rmSync(removed.path, { force: true })
  sendJson(res, 200, { id, object: 'adapter', deleted: true })
}

/**
 * `PATCH /v1/adapters/{base}:{name}` with `{"scale"?, "department"?}`: changes an API adapter's
 * scale (for requests from now on: each carries its own lora list) or department, without a new
 * llama-server.
 */
export async function patchAdapter(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: AdapterContext,
  id: string,
) {
  const { base, name, pool } = adapterId(ctx, id)
  const fields = await readJsonObject(req, ctx.maxBodyBytes)
  const previous = ctx.registry.get(base, name)
  if (!previous) throw new RunnerError('ADAPTER_NOT_FOUND', `no adapter "${id}"`)
  const scale = fields.scale === undefined ? previous.scale : Number(fields.scale)
  if (!(Number.isFinite(scale) && scale >= 0 && scale <= 10)) {
    throw new RunnerError('INVALID_REQUEST', '`scale` must be a number from 0 to 10', { param: 'scale' })
  }
  if (fields.department !== undefined && typeof fields.department !== 'string') {
    throw new RunnerError('INVALID_REQUEST', '`department` must be a string', { param: 'department' })
  }
  const department = fields.department === undefined ? previous.department : (fields.department as string)
  const entry = ctx.registry.put(
    { name, base, path: previous.path, scale, ...(department ? { department } : {}) },
    true,
  )
  pool.retune(name, scale)
  sendJson(res, 200, describeAdapter(entry, pool))
}

/**
 * Streams the request body to `path`. Past `limit` the body is no longer read (not destroyed: the
 * client still gets its 413) and the partial file is removed.
 */
function receiveFile(req: IncomingMessage, path: string, limit: number): Promise<void> {
  const declared = Number(req.headers['content-length'])
  const tooBig = () =>
    new RunnerError('BODY_TOO_LARGE', `the adapter file is larger than the limit of ${limit} bytes`)
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooBig())
  return new Promise<void>((resolve, reject) => {
    const out = createWriteStream(path)
    let size = 0
    let failed = false
    const fail = (e: unknown) => {
      if (failed) return
      failed = true
      req.unpipe(out)
      req.pause()
      out.destroy()
      rmSync(path, { force: true })
      reject(e)
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) fail(tooBig())
    })
    req.on('error', fail)
    out.on('error', fail)
    out.on('finish', () => {
      if (failed) return
      if (size === 0)
        return fail(new RunnerError('INVALID_REQUEST', 'the upload is empty: send the GGUF file as the body'))
      resolve()
    })
    req.pipe(out)
  })
}
