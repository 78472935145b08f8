import OpenAI from 'openai'
import type { ChatMessage, ChatModel, ChatOptions } from '../answering/chat-model'
import { PolicybotError } from '../errors'

/**
 * Generation across several GPU runners. Each request goes to a runner that is ready and has the
 * requested adapter loaded (from its `/readyz`), the one with the fewest requests in flight and
 * queued first. A runner that refuses (503 restarting or shutting down, 429 full, 404 adapter
 * gone since) or cannot be reached is skipped for a few seconds and the request goes to the next
 * one, as long as no text has reached the caller; once text has been streamed the request is
 * never sent again (the asker would see two answers spliced). With one runner it is the same
 * path, with nothing to fail over to.
 */
export interface RunnerEndpoint {
  url: string
  token?: string
}

/** One runner's state as `/readyz` says, for routing and the console. */
export interface RunnerHealth {
  url: string
  /** `unknown`: an OpenAI-compatible endpoint that is not a gpu-runner (no `/readyz`): tried blindly. */
  state: 'ready' | 'not ready' | 'unreachable' | 'unknown'
  error?: string
  models: Array<{ name: string; state: string; adapters: string[]; inflight: number; queued: number }>
  /** When it was read (ms since the epoch). */
  at: number
}

export interface FleetOptions {
  fetch?: typeof fetch
  /** How long a `/readyz` reading is trusted (default 2 s). */
  statusTtlMs?: number
  /** How long a runner that failed a request is passed over (default 5 s, or its Retry-After). */
  benchMs?: number
  /** Per-request timeout (default 25 s). */
  timeoutMs?: number
  warn?: (message: string) => void
  now?: () => number
}

export interface Fleet {
  readonly runners: readonly RunnerEndpoint[]
  /** A chat model for `base` or `base:adapter`, routed per request. */
  chat(model: string): ChatModel
  /** Every runner's `/readyz`, read now. */
  health(): Promise<RunnerHealth[]>
  /** Whether any ready runner serves `base:adapter` (read through the cache). */
  serves(model: string): Promise<boolean>
}

/**
 * What the fleet knows of each runner, shared by every fleet of this isolate (a Worker isolate
 * serves many requests): readings, and until when a runner that failed is passed over.
 */
const known = new Map<
  string,
  { health?: RunnerHealth; reading?: Promise<RunnerHealth>; benchedUntil?: number; sent: number }
>()

/** Forgets every runner's state (tests that restart runners on the same ports). */
export function forgetRunnerStates(): void {
  known.clear()
}

/** A refusal worth trying the next runner for: nothing was generated. */
function failoverWorthy(e: unknown): { retryAfterMs?: number } | undefined {
  if (e instanceof OpenAI.APIConnectionError) return {}
  if (e instanceof OpenAI.APIError) {
    const status = e.status ?? 0
    if (status === 429 || status === 503 || status === 502 || status === 504 || status === 404) {
      const ra = Number(e.headers?.get?.('retry-after'))
      return Number.isFinite(ra) && ra > 0 ? { retryAfterMs: ra * 1000 } : {}
    }
  }
  return undefined
}

export function createFleet(runners: readonly RunnerEndpoint[], options: FleetOptions = {}): Fleet {
  if (runners.length === 0) throw new Error('a fleet needs at least one runner')
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  const ttl = options.statusTtlMs ?? 2000
  const bench = options.benchMs ?? 5000
  const now = options.now ?? Date.now
  const warn = options.warn ?? (() => {})
  const clients = new Map<string, OpenAI>()
  const clientOf = (r: RunnerEndpoint) => {
    let c = clients.get(r.url)
    if (!c) {
      c = new OpenAI({
        baseURL: `${r.url}/v1`,
        apiKey: r.token ?? 'none',
        timeout: options.timeoutMs ?? 25_000,
        // The fleet decides where a failed request goes next; the client does not retry.
        maxRetries: 0,
        fetch: doFetch,
      })
      clients.set(r.url, c)
    }
    return c
  }
  const stateOf = (url: string) => {
    let s = known.get(url)
    if (!s) {
      s = { sent: 0 }
      known.set(url, s)
    }
    return s
  }

  async function read(r: RunnerEndpoint): Promise<RunnerHealth> {
    const at = now()
    try {
      const res = await doFetch(`${r.url}/readyz`, { signal: AbortSignal.timeout(2000) })
      const body = (await res.json().catch(() => ({}))) as {
        models?: Array<{
          name: string
          state: string
          adapters?: string[]
          inflight?: number
          queued?: number
        }>
      }
      if (!Array.isArray(body?.models)) return { url: r.url, state: 'unknown', models: [], at }
      return {
        url: r.url,
        state: res.status === 200 ? 'ready' : 'not ready',
        models: (body.models ?? []).map((m) => ({
          name: m.name,
          state: m.state,
          adapters: m.adapters ?? [],
          inflight: m.inflight ?? 0,
          queued: m.queued ?? 0,
        })),
        at,
      }
    } catch (e) {
      return {
        url: r.url,
        state: 'unreachable',
        error: e instanceof Error ? e.message : String(e),
        models: [],
        at,
      }
    }
  }

  /**
   * Each runner's reading. A stale one is refreshed in the background and used meanwhile, so a
   * runner that stopped answering (its `/readyz` hanging for the 2 s timeout) never holds up
   * requests for the others; only a runner never read yet (or `fresh`, the console) is waited for.
   */
  async function readings(fresh = false): Promise<RunnerHealth[]> {
    return Promise.all(
      runners.map(async (r) => {
        const s = stateOf(r.url)
        if (!fresh && s.health && now() - s.health.at < ttl) return s.health
        // Requests arriving together share one reading.
        if (!s.reading)
          s.reading = read(r).then((h) => {
            s.health = h
            s.reading = undefined
            return h
          })
        return !fresh && s.health ? s.health : s.reading
      }),
    )
  }

  /** The runners to try for `model`, best first: serving it, least loaded, not benched. */
  async function candidates(model: string): Promise<RunnerEndpoint[]> {
    const [base, adapter] = splitModel(model)
    const health = await readings()
    const t = now()
    const scored = runners.map((r, i) => {
      const h = health[i] as RunnerHealth
      const s = stateOf(r.url)
      const m = h.models.find((x) => x.name === base)
      const serving = h.state === 'unknown' || servesModel(h, base, adapter)
      const benched = (s.benchedUntil ?? 0) > t
      // The reading's queue plus what this isolate has in flight there: a burst does not all go
      // to the runner that looked idle two seconds ago.
      return { r, i, serving, benched, load: (m ? m.inflight + m.queued : 0) + s.sent }
    })
    const good = scored
      .filter((s) => s.serving && !s.benched)
      .sort((a, b) => a.load - b.load || a.i - b.i)
      .map((s) => s.r)
    if (good.length) return good
    // Nobody looks able: the readings may be stale, so try the ones that failed least recently
    // rather than giving up without asking.
    return scored.filter((s) => s.serving || s.benched).map((s) => s.r)
  }

  /** A request that failed on `r` before any text: pass over it for a while. */
  function benchRunner(r: RunnerEndpoint, e: unknown, retryAfterMs: number | undefined) {
    const s = stateOf(r.url)
    s.benchedUntil = now() + Math.min(retryAfterMs ?? bench, 30_000)
    // Its reading is stale now (an adapter it lost, a restart): read it again next time.
    if (s.health) s.health = { ...s.health, at: 0 }
    warn(`runner ${r.url} failed a request before answering (${messageOf(e)}); trying the next runner`)
  }

  function failed(model: string, e: unknown): PolicybotError {
    if (e instanceof PolicybotError) return e
    return new PolicybotError('CHAT_ERROR', `Chat request (model ${model}) failed: ${messageOf(e)}`, {
      cause: e,
    })
  }

  /**
   * The runners to try for `model`, in order, over two rounds: when every runner refused (a
   * lone runner restarting says so with a short Retry-After), the second round waits that long,
   * at most 5 s, then asks again. Each try's refusal (if it was refused) is passed back in.
   */
  async function* tries(
    model: string,
  ): AsyncGenerator<RunnerEndpoint, void, { retryAfterMs?: number } | undefined> {
    for (let round = 0; round < 2; round++) {
      const order = await candidates(model)
      if (!order.length) break
      let wait = Number.POSITIVE_INFINITY
      for (const r of order) {
        const refused = yield r
        wait = Math.min(wait, refused?.retryAfterMs ?? bench)
      }
      if (round === 0 && wait <= 5000) await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }

  function chat(model: string): ChatModel {
    const body = (messages: ChatMessage[], opts: ChatOptions | undefined) => ({
      model,
      messages,
      temperature: opts?.temperature ?? 0,
      max_tokens: opts?.maxTokens ?? 600,
    })
    /** Runs `once` on runner after runner until one answers; `started()` says text went out. */
    async function* routed<T>(
      once: (r: RunnerEndpoint) => AsyncGenerator<T>,
      started: () => boolean,
    ): AsyncGenerator<T> {
      const order = tries(model)
      let next = await order.next()
      let last: unknown
      while (!next.done) {
        const r = next.value
        const s = stateOf(r.url)
        s.sent++
        let refused: { retryAfterMs?: number } | undefined
        try {
          yield* once(r)
          return
        } catch (e) {
          // Text has reached the caller: sending the request again would splice two answers.
          if (started()) throw failed(model, e)
          refused = failoverWorthy(e)
          if (!refused) throw failed(model, e)
          benchRunner(r, e, refused.retryAfterMs)
          last = e
        } finally {
          s.sent--
        }
        next = await order.next(refused)
      }
      throw last === undefined
        ? new PolicybotError('CHAT_ERROR', `no runner is ready to serve ${model}`, { retryable: true })
        : failed(model, last)
    }
    return {
      model,
      async *stream(messages, opts) {
        let yielded = false
        yield* routed(
          async function* (r) {
            const chunks = await clientOf(r).chat.completions.create({
              ...body(messages, opts),
              stream: true,
            })
            for await (const chunk of chunks) {
              const delta = chunk.choices[0]?.delta?.content
              if (!delta) continue
              if (!yielded) opts?.served?.({ model, runner: r.url })
              yielded = true
              yield delta
            }
            if (!yielded) opts?.served?.({ model, runner: r.url })
          },
          () => yielded,
        )
      },
      async complete(messages, opts) {
        let text = ''
        for await (const t of routed(
          async function* (r) {
            const res = await clientOf(r).chat.completions.create(body(messages, opts))
            opts?.served?.({ model, runner: r.url })
            yield res.choices[0]?.message?.content ?? ''
          },
          () => false,
        ))
          text = t
        return text
      },
    }
  }

  return {
    runners,
    chat,
    health: () => readings(true),
    async serves(model) {
      const [base, adapter] = splitModel(model)
      const health = await readings()
      return health.some((h) => h.state === 'unknown' || servesModel(h, base, adapter))
    },
  }
}

function servesModel(h: RunnerHealth, base: string, adapter: string | undefined): boolean {
  if (h.state !== 'ready') return false
  const m = h.models.find((x) => x.name === base)
  return m?.state === 'ready' && (!adapter || m.adapters.includes(adapter))
}

function splitModel(model: string): [string, string | undefined] {
  const colon = model.indexOf(':')
  return colon < 0 ? [model, undefined] : [model.slice(0, colon), model.slice(colon + 1) || undefined]
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * `RUNNERS`: URLs separated by spaces or commas (all with `RUNNER_TOKEN`), or a JSON list of
 * `{"url": …, "token": …}` where tokens differ. Falls back to `RUNNER_URL`.
 */
export function parseRunners(
  runners: string | undefined,
  runnerUrl: string | undefined,
  token: string | undefined,
): RunnerEndpoint[] {
  const trimmed = runners?.trim() ?? ''
  let list: RunnerEndpoint[]
  if (trimmed.startsWith('[')) {
    let json: unknown
    try {
      json = JSON.parse(trimmed)
    } catch (e) {
      throw new Error(`is not valid JSON (${messageOf(e)})`)
    }
    if (!Array.isArray(json)) throw new Error('must be a list')
    list = json.map((x, i) => {
      const o = (typeof x === 'string' ? { url: x } : x) as { url?: unknown; token?: unknown }
      if (typeof o?.url !== 'string') throw new Error(`entry ${i + 1} has no "url"`)
      if (o.token !== undefined && typeof o.token !== 'string')
        throw new Error(`entry ${i + 1}: "token" must be a string`)
      return { url: o.url, ...(o.token ? { token: o.token } : token ? { token } : {}) }
    })
  } else {
    const urls = trimmed ? trimmed.split(/[\s,]+/).filter(Boolean) : runnerUrl ? [runnerUrl] : []
    list = urls.map((url) => ({ url, ...(token ? { token } : {}) }))
  }
  const seen = new Set<string>()
  const out: RunnerEndpoint[] = []
  for (const r of list) {
    let u: URL
    try {
      u = new URL(r.url)
    } catch {
      throw new Error(`"${r.url}" is not a URL`)
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`"${r.url}" must be http(s)`)
    const url = r.url.replace(/\/+$/, '')
    if (seen.has(url)) continue
    seen.add(url)
    out.push({ ...r, url })
  }
  return out
}
