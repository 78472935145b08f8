import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

/**
 * The runner's configuration: a YAML or JSON file (base models, adapters, limits) plus the
 * environment for secrets and the listening address. Parsed once at start into a frozen object;
 * nothing else reads `process.env`. Every problem is reported at once, each naming its field
 * (`models[0].parallel: …`) or variable.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const name = (what: string) =>
  z.string().regex(NAME, `${what} names use letters, digits, '.', '_' and '-' (at most 64), and no ':'`)

const ModelSchema = z.strictObject({
  name: name('model'),
  /** GGUF file of the base model. */
  path: z.string().min(1),
  /** Total context in tokens, split evenly across the parallel slots (llama-server's `-c`). */
  contextSize: z.number().int().positive().default(4096),
  /** Parallel slots (`-np`): requests generated at once, batched together. */
  parallel: z.number().int().min(1).max(256).default(4),
  /** Layers offloaded to the GPU (`-ngl`); 0 on a CPU-only host. */
  gpuLayers: z.number().int().min(0).default(999),
  threads: z.number().int().positive().optional(),
  /** Also serve `/v1/embeddings` (mean pooling). */
  embeddings: z.boolean().default(false),
  /** Requests waiting for a slot before new ones get 429. */
  maxQueue: z.number().int().min(0).default(64),
  /** Passed to llama-server as given (e.g. `["--flash-attn", "on"]`). */
  extraArgs: z.array(z.string()).default([]),
  /**
   * How an adapter change takes effect. `overlap` (default): the new llama-server starts while the
   * old one serves, so for a moment both are in memory (twice the model). `restart`: the old one
   * finishes its requests and stops, then the new one starts; requests wait in the queue meanwhile
   * (no failures, a pause of about a start's time) and memory never holds two copies.
   */
  swap: z.enum(['overlap', 'restart']).default('overlap'),
})

const AdapterSchema = z.strictObject({
  name: name('adapter'),
  /** The base model's `name`. */
  base: z.string().min(1),
  /** GGUF LoRA adapter file (convert_lora_to_gguf.py output). */
  path: z.string().min(1),
  /** Scale applied when a request selects it. */
  scale: z.number().min(0).max(10).default(1),
  /** The department it serves (HR, IT, …); informational, listed in /v1/adapters. */
  department: z.string().optional(),
})

const FileSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8090),
      /** Largest chat/embeddings request body. */
      maxBodyBytes: z
        .number()
        .int()
        .positive()
        .default(1024 * 1024),
      /** Largest adapter upload. */
      maxAdapterBytes: z
        .number()
        .int()
        .positive()
        .default(2 * 1024 ** 3),
      /** Whole-request limit (queueing included), then 504 and the generation is cancelled. */
      requestTimeoutMs: z.number().int().positive().default(300_000),
    })
    .prefault({}),
  llamaServer: z
    .strictObject({
      /** A llama-server binary; else `LLAMA_SERVER_BIN`, else the cached `npm run runner:build`. */
      bin: z.string().optional(),
      startTimeoutMs: z.number().int().positive().default(180_000),
      stopGraceMs: z.number().int().min(0).default(10_000),
    })
    .prefault({}),
  /** Where uploaded adapters and the runtime adapter registry live. */
  stateDir: z.string().default('./runner-state'),
  models: z.array(ModelSchema).min(1, 'at least one base model is needed'),
  adapters: z.array(AdapterSchema).default([]),
})

export type ModelConfig = Readonly<z.infer<typeof ModelSchema>>
export type AdapterConfig = Readonly<z.infer<typeof AdapterSchema>>

export interface RunnerConfig {
  readonly host: string
  readonly port: number
  readonly apiKey: string | undefined
  readonly maxBodyBytes: number
  readonly maxAdapterBytes: number
  readonly requestTimeoutMs: number
  readonly llamaServerBin: string | undefined
  readonly startTimeoutMs: number
  readonly stopGraceMs: number
  readonly stateDir: string
  readonly models: readonly ModelConfig[]
  readonly adapters: readonly AdapterConfig[]
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError' as const
  readonly code = 'INVALID_CONFIG' as const
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)),
    '',
  )
}

/**
 * Parses configuration text (YAML, of which JSON is a subset) and the environment. Relative paths
 * are resolved against `baseDir` (the config file's folder). Throws one `ConfigError` listing
 * every problem.
 */
export function parseRunnerConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  baseDir: string,
  source = 'config',
): RunnerConfig {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (e) {
    throw new ConfigError(`${source}: not valid YAML/JSON: ${(e as Error).message}`)
  }
  const problems: string[] = []
  const parsed = FileSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push(`${fieldPath(i.path) || '(top level)'}: ${i.message}`)
  }
  const port = env.RUNNER_PORT === undefined ? undefined : Number(env.RUNNER_PORT)
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    problems.push(`RUNNER_PORT: must be a port number, got ${JSON.stringify(env.RUNNER_PORT)}`)
  }
  const apiKey = env.RUNNER_API_KEY || undefined
  if (apiKey !== undefined && apiKey.length < 16) {
    problems.push('RUNNER_API_KEY: use at least 16 characters (e.g. `openssl rand -hex 32`)')
  }
  if (parsed.success) {
    const file = parsed.data
    const models = new Set<string>()
    file.models.forEach((m, i) => {
      if (models.has(m.name)) problems.push(`models[${i}].name: "${m.name}" is listed twice`)
      models.add(m.name)
      if (m.contextSize < m.parallel) {
        problems.push(`models[${i}].contextSize: ${m.contextSize} is smaller than parallel (${m.parallel})`)
      }
    })
    const adapters = new Set<string>()
    file.adapters.forEach((a, i) => {
      if (!models.has(a.base)) problems.push(`adapters[${i}].base: no model named "${a.base}"`)
      const key = `${a.base}:${a.name}`
      if (adapters.has(key)) problems.push(`adapters[${i}].name: "${key}" is listed twice`)
      adapters.add(key)
    })
    const host = env.RUNNER_HOST ?? file.server.host
    if (!apiKey && !isLoopback(host)) {
      problems.push(
        `RUNNER_API_KEY: required when listening on ${host} (anything but loopback); set it in the environment`,
      )
    }
    if (problems.length === 0) {
      const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p))
      return Object.freeze({
        host,
        port: port ?? file.server.port,
        apiKey,
        maxBodyBytes: file.server.maxBodyBytes,
        maxAdapterBytes: file.server.maxAdapterBytes,
        requestTimeoutMs: file.server.requestTimeoutMs,
        llamaServerBin: file.llamaServer.bin ? abs(file.llamaServer.bin) : env.LLAMA_SERVER_BIN || undefined,
        startTimeoutMs: file.llamaServer.startTimeoutMs,
        stopGraceMs: file.llamaServer.stopGraceMs,
        stateDir: abs(file.stateDir),
        models: Object.freeze(file.models.map((m) => Object.freeze({ ...m, path: abs(m.path) }))),
        adapters: Object.freeze(file.adapters.map((a) => Object.freeze({ ...a, path: abs(a.path) }))),
      })
    }
  }
  throw new ConfigError(`${source} is invalid:\n  ${problems.join('\n  ')}`)
}

/** Reads and parses a config file; its folder anchors relative paths. */
export function loadRunnerConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): RunnerConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new ConfigError(`cannot read the runner config ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`)
  }
  return parseRunnerConfig(text, env, dirname(resolve(path)), path)
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}
