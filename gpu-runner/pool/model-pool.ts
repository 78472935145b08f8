import type { ModelConfig } from '../config'
import { RunnerError } from '../errors'
import { validateLoraAdapter } from '../gguf/lora'
import type { Logger } from '../log'
import type { RunnerMetrics } from '../metrics'
import { type LoadedAdapter, llamaServerArgs } from '../process/llama-args'
import { LlamaServerProcess } from '../process/llama-server-process'
import { SlotLimiter } from './slot-limiter'

/**
 * All llama-server generations of one base model. A generation is one process with a fixed
 * adapter set (llama-server loads adapters only at start). Changing the set starts a new
 * generation, waits until it is ready, points new requests at it, lets the requests already on
 * the old one (streams included) finish there, then stops it: no request fails because of a swap.
 * A generation that dies is replaced with capped exponential backoff; while none is ready,
 * requests get 503 + Retry-After.
 */
export interface Generation {
  readonly id: number
  readonly process: LlamaServerProcess
  readonly adapters: readonly LoadedAdapter[]
  readonly startedAt: number
  inflight: number
  retired: boolean
}

/** What a request holds while it runs on a generation. */
export interface Lease {
  readonly generation: Generation
  readonly url: string
  /** The explicit, complete `lora` list for llama-server, or undefined when none is loaded. */
  readonly lora: Array<{ id: number; scale: number }> | undefined
  release(): void
}

export interface ModelPoolOptions {
  bin: string
  log: Logger
  metrics: RunnerMetrics
  startTimeoutMs: number
  stopGraceMs: number
  /** Longest time a retired generation may keep running for its last requests. */
  drainTimeoutMs: number
  /** Called with a drained generation just before it is stopped (final metrics scrape). */
  onRetire?: (gen: Generation) => Promise<void>
}

export type PoolState = 'stopped' | 'starting' | 'ready' | 'restarting' | 'closed'

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15_000, 30_000]
const STABLE_MS = 60_000

export class ModelPool {
  readonly limiter: SlotLimiter
  #current: Generation | undefined
  #desired: readonly LoadedAdapter[] = []
  readonly #generations = new Set<Generation>()
  #nextId = 1
  #ops: Promise<unknown> = Promise.resolve()
  #failures = 0
  #restartTimer: NodeJS.Timeout | undefined
  /** Adapters left out of the last generation started, and why (a file gone or unreadable). */
  readonly #dropped = new Map<string, string>()
  /** While a restart-mode swap replaces the server: new requests wait for it. */
  #holding: Promise<void> | undefined
  /** A swap waiting for the one before it to finish; changes meanwhile join it. */
  #queuedSwap: Promise<{ generation: number; ms: number }> | undefined
  /** A swap is starting a generation: the old one serves its adapters until the new one does. */
  #swapping = false
  /** How long the last restart after a crash took to serve again (the 503's Retry-After). */
  #lastRecoveryMs = 1000
  #state: PoolState = 'stopped'
  readonly #drainWaiters = new Map<Generation, () => void>()

  constructor(
    readonly model: ModelConfig,
    readonly options: ModelPoolOptions,
  ) {
    this.limiter = new SlotLimiter(model.parallel, model.maxQueue)
  }

  /** Adapters the current generation left out because their file failed its check, with why. */
  get dropped(): ReadonlyMap<string, string> {
    return this.#dropped
  }

  get state(): PoolState {
    return this.#state
  }
  get current(): Generation | undefined {
    return this.#current
  }
  /** Every live generation, the current one and those draining. */
  get generations(): Generation[] {
    return [...this.#generations]
  }
  /** The adapter set asked for (the current generation's, unless a swap is under way). */
  get desiredAdapters(): readonly LoadedAdapter[] {
    return this.#desired
  }

  /** Starts the first generation. A failure is thrown and retried in the background. */
  start(adapters: readonly LoadedAdapter[]): Promise<void> {
    return this.#serialize(async () => {
      this.#desired = adapters
      this.#state = 'starting'
      try {
        this.#current = await this.#startGeneration(adapters)
        this.#state = 'ready'
      } catch (e) {
        this.#scheduleRestart()
        throw e
      }
    })
  }

  /**
   * Switches to a new adapter set without downtime; resolves once new requests are served by it.
   * If the new generation cannot start, the old one keeps serving and the error is thrown.
   * Changes that arrive while another generation is starting make one generation together: a
   * swap not yet begun takes the newest wanted set when it begins, and later callers wait on it.
   */
  swap(adapters: readonly LoadedAdapter[]): Promise<{ generation: number; ms: number }> {
    const asked = performance.now()
    const fallback = this.#desired
    this.#desired = adapters
    const waiting = this.#queuedSwap
    if (waiting) return waiting.then((r) => ({ ...r, ms: performance.now() - asked }))
    const run = this.#serialize(async () => {
      this.#queuedSwap = undefined
      if (this.#state === 'closed') throw new RunnerError('SHUTTING_DOWN', 'the runner is shutting down')
      const labels = { model: this.model.name }
      const set = this.#desired
      let gen: Generation
      this.#swapping = true
      let release: (() => void) | undefined
      try {
        if (this.model.swap === 'restart' && this.#current) {
          // Hold new requests, let the running ones finish, stop the old server, then start.
          this.#holding = new Promise<void>((r) => {
            release = r
          })
          const old = this.#current
          await this.#drain(old)
          this.#current = undefined
          await old.process.stop()
          this.#generations.delete(old)
        }
        gen = await this.#startGeneration(set)
      } catch (e) {
        if (release) {
          // The old server is gone: bring the wanted set back the way a crash would.
          this.#holding = undefined
          release()
          this.#scheduleRestart()
        }
        this.#swapping = false
        if (this.#desired === set) this.#desired = fallback
        this.options.metrics.swaps.inc({ ...labels, result: 'failed' })
        throw e
      }
      const old = this.#current
      this.#current = gen
      this.#swapping = false
      this.#state = 'ready'
      clearTimeout(this.#restartTimer)
      if (release) {
        this.#holding = undefined
        release()
      }
      if (old) this.#retire(old)
      const ms = performance.now() - asked
      this.options.metrics.swaps.inc({ ...labels, result: 'ok' })
      this.options.metrics.swapSeconds.observe(labels, ms / 1000)
      this.options.log('info', 'adapter set switched', {
        model: this.model.name,
        generation: gen.id,
        adapters: set.map((a) => a.name),
        ms: Math.round(ms),
      })
      return { generation: gen.id, ms }
    })
    this.#queuedSwap = run
    return run
  }

  /**
   * Stops routing to an adapter at once, without a new llama-server: the current generation keeps
   * it loaded (at scale 0 for every request) until the next generation starts without it (the
   * next change or restart). Returns whether it was wanted.
   */
  forget(name: string): boolean {
    const before = this.#desired.length
    this.#desired = this.#desired.filter((a) => a.name !== name)
    this.#dropped.delete(name)
    return this.#desired.length !== before
  }

  /** Changes an adapter's scale for requests from now on, without a new llama-server. */
  retune(name: string, scale: number): boolean {
    if (!this.#desired.some((a) => a.name === name)) return false
    this.#desired = this.#desired.map((a) => (a.name === name ? { ...a, scale } : a))
    return true
  }

  /**
   * Waits for a slot, then binds the request to the current generation. `adapter` undefined means
   * the base model. Throws NOT_READY (503) while no generation serves, ADAPTER_NOT_FOUND for an
   * adapter the current set lacks (NOT_READY if a swap is loading it), QUEUE_FULL (429).
   */
  async lease(adapter: string | undefined, signal?: AbortSignal): Promise<Lease> {
    let releaseSlot: () => void
    let gen: Generation
    for (;;) {
      // A restart-mode swap holds new requests until the new generation serves.
      while (this.#holding) await this.#holding
      this.#check(adapter)
      // One adapter's requests at a time on llama-server, taking turns (SlotLimiter says why).
      releaseSlot = await this.limiter.acquire(signal, adapter ?? '')
      // A restart began while this request waited for its turn: wait for it like the others.
      if (this.#holding) {
        releaseSlot()
        continue
      }
      try {
        gen = this.#check(adapter)
      } catch (e) {
        releaseSlot()
        throw e
      }
      break
    }
    gen.inflight++
    let released = false
    // The scale is the wanted set's (a scale change needs no new llama-server: every request
    // carries its own lora list); the ids are the generation's load order.
    const scaleOf = (a: LoadedAdapter) => this.#desired.find((d) => d.name === a.name)?.scale ?? a.scale
    const lora =
      gen.adapters.length === 0
        ? undefined
        : gen.adapters.map((a, id) => ({ id, scale: a.name === adapter ? scaleOf(a) : 0 }))
    return {
      generation: gen,
      url: gen.process.url,
      lora,
      release: () => {
        if (released) return
        released = true
        releaseSlot()
        gen.inflight--
        if (gen.inflight === 0) this.#drainWaiters.get(gen)?.()
      },
    }
  }

  /** Stops every generation (in-flight requests on them fail) and cancels restarts. */
  async close(): Promise<void> {
    this.#state = 'closed'
    clearTimeout(this.#restartTimer)
    this.limiter.rejectAll(new RunnerError('SHUTTING_DOWN', 'the runner is shutting down', { retryAfter: 5 }))
    this.#current = undefined
    await this.#ops.catch(() => {})
    await Promise.all([...this.#generations].map((g) => g.process.stop()))
    this.#generations.clear()
  }

  #check(adapter: string | undefined): Generation {
    const gen = this.#current
    if (gen?.process.state !== 'ready') {
      throw new RunnerError('NOT_READY', `model "${this.model.name}" is not ready (${this.#state})`, {
        retryAfter: this.#state === 'restarting' ? Math.max(1, Math.ceil(this.#lastRecoveryMs / 1000)) : 2,
      })
    }
    // Removed, though this generation still has it loaded (it is unloaded with the next one).
    if (adapter !== undefined && !this.#desired.some((a) => a.name === adapter) && !this.#swapping) {
      if (gen.adapters.some((a) => a.name === adapter)) {
        throw new RunnerError('ADAPTER_NOT_FOUND', `model "${this.model.name}" has no adapter "${adapter}"`, {
          param: 'model',
        })
      }
    }
    if (adapter !== undefined && !gen.adapters.some((a) => a.name === adapter)) {
      const why = this.#dropped.get(adapter)
      if (why !== undefined) {
        throw new RunnerError('ADAPTER_NOT_FOUND', `adapter "${adapter}" is unavailable: ${why}`, {
          param: 'model',
        })
      }
      if (this.#desired.some((a) => a.name === adapter)) {
        throw new RunnerError('NOT_READY', `adapter "${adapter}" is being loaded`, { retryAfter: 1 })
      }
      throw new RunnerError('ADAPTER_NOT_FOUND', `model "${this.model.name}" has no adapter "${adapter}"`, {
        param: 'model',
      })
    }
    return gen as Generation
  }

  #serialize<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#ops.then(op, op)
    this.#ops = next.catch(() => {})
    return next
  }

  /**
   * The adapters whose files still pass the check they passed when registered (a LoRA GGUF that
   * fits the base model). One whose file was deleted or damaged since would stop llama-server from
   * starting at all, taking the base model and every other adapter down with it: it is left out,
   * and reported (`dropped`: /readyz, /v1/adapters, the metrics) until it is fixed or removed.
   */
  async #usable(adapters: readonly LoadedAdapter[]): Promise<LoadedAdapter[]> {
    const checked = await Promise.all(
      adapters.map((a) =>
        validateLoraAdapter(a.path, this.model.path).then(
          () => undefined,
          (e: unknown) => (e instanceof Error ? e.message : String(e)),
        ),
      ),
    )
    this.#dropped.clear()
    const usable: LoadedAdapter[] = []
    for (const [i, a] of adapters.entries()) {
      const why = checked[i]
      if (why === undefined) usable.push(a)
      else {
        this.#dropped.set(a.name, why)
        this.options.log('error', 'adapter left out: its file fails its check', {
          model: this.model.name,
          adapter: a.name,
          error: why,
        })
      }
    }
    return usable
  }

  async #startGeneration(wanted: readonly LoadedAdapter[]): Promise<Generation> {
    const adapters = await this.#usable(wanted)
    const id = this.#nextId++
    const process = new LlamaServerProcess({
      bin: this.options.bin,
      args: llamaServerArgs(this.model, adapters),
      label: `${this.model.name}#${id}`,
      log: this.options.log,
      startTimeoutMs: this.options.startTimeoutMs,
      stopGraceMs: this.options.stopGraceMs,
    })
    const gen: Generation = { id, process, adapters, startedAt: Date.now(), inflight: 0, retired: false }
    await process.start()
    this.#generations.add(gen)
    process.on('exit', () => this.#onExit(gen))
    return gen
  }

  #onExit(gen: Generation): void {
    this.#generations.delete(gen)
    this.#drainWaiters.get(gen)?.()
    if (gen !== this.#current || this.#state === 'closed') return
    this.#current = undefined
    if (Date.now() - gen.startedAt > STABLE_MS) this.#failures = 0
    this.#scheduleRestart()
  }

  #scheduleRestart(): void {
    if (this.#state === 'closed') return
    this.#state = 'restarting'
    const delay = BACKOFF_MS[Math.min(this.#failures, BACKOFF_MS.length - 1)] as number
    this.#failures++
    clearTimeout(this.#restartTimer)
    this.options.log('warn', 'restarting llama-server', { model: this.model.name, inMs: delay })
    this.#restartTimer = setTimeout(() => {
      void this.#serialize(async () => {
        if (this.#current || this.#state === 'closed') return
        this.options.metrics.restarts.inc({ model: this.model.name })
        const began = performance.now()
        try {
          this.#current = await this.#startGeneration(this.#desired)
          this.#state = 'ready'
          this.#lastRecoveryMs = delay + (performance.now() - began)
        } catch (e) {
          this.options.log('error', 'llama-server restart failed', {
            model: this.model.name,
            error: (e as Error).message,
          })
          this.#scheduleRestart()
        }
      })
    }, delay)
  }

  /** Resolves once the generation's requests are done (or the drain timeout passed). */
  #drain(gen: Generation): Promise<void> {
    gen.retired = true
    return new Promise<void>((resolve) => {
      if (gen.inflight === 0) return resolve()
      this.#drainWaiters.set(gen, resolve)
      setTimeout(resolve, this.options.drainTimeoutMs).unref()
    })
  }

  /** Lets the old generation finish its requests, then stops it. */
  #retire(gen: Generation): void {
    const drained = this.#drain(gen)
    void drained.then(async () => {
      this.#drainWaiters.delete(gen)
      await this.options.onRetire?.(gen).catch(() => {})
      await gen.process.stop()
      this.#generations.delete(gen)
    })
  }
}
