import { type ChildProcess, spawn as nodeSpawn, spawnSync } from 'node:child_process'
import { EventEmitter } from 'node:events'
import type { Logger } from '../log'

/**
 * One supervised llama-server process with an explicit state machine:
 *
 *   stopped → starting → ready → stopping → stopped
 *                 ↘ failed ↙ (exit while starting or ready)
 *
 * Every transition goes through one serialized path (`#queue`), so `start` and `stop` may be
 * called from anywhere, any number of times. The child runs from an argument array (no shell), in
 * its own process group, and under `setpriv --pdeathsig KILL` on Linux: if the runner itself dies,
 * even by SIGKILL, the kernel kills llama-server too, so there are never orphans. Readiness is
 * `/health` = 200 (503 while the model loads); an exit during start fails fast with its last log
 * lines; stop is SIGTERM to the group, a grace period, then SIGKILL.
 */
export type ProcessState = 'stopped' | 'starting' | 'ready' | 'stopping' | 'failed'

export interface LlamaServerProcessOptions {
  bin: string
  args: readonly string[]
  /** For logs and errors, e.g. `tiny#3`. */
  label: string
  log: Logger
  startTimeoutMs: number
  stopGraceMs: number
  /** Injected for tests. */
  spawn?: typeof nodeSpawn
}

export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError' as const
  readonly code = 'START_FAILED' as const
}

/** `setpriv` (util-linux) ties the child's life to ours: PR_SET_PDEATHSIG survives exec. */
const SETPRIV =
  process.platform === 'linux' && spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0
    ? 'setpriv'
    : undefined

const LISTENING = /listening on http:\/\/127\.0\.0\.1:(\d+)/

export class LlamaServerProcess extends EventEmitter<{
  /** The process ended without being asked to (crash, OOM kill, …). */
  exit: [code: number | null, signal: NodeJS.Signals | null]
  state: [ProcessState]
}> {
  #state: ProcessState = 'stopped'
  #child: ChildProcess | undefined
  #port: number | undefined
  #exited: Promise<void> = Promise.resolve()
  #queue: Promise<unknown> = Promise.resolve()
  readonly #tail: string[] = []

  constructor(readonly options: LlamaServerProcessOptions) {
    super()
  }

  get state(): ProcessState {
    return this.#state
  }
  get pid(): number | undefined {
    return this.#child?.pid
  }
  /** Base URL of the running server (`http://127.0.0.1:PORT`). */
  get url(): string {
    if (this.#port === undefined) throw new Error(`${this.options.label} has no port (state ${this.#state})`)
    return `http://127.0.0.1:${this.#port}`
  }
  get port(): number | undefined {
    return this.#port
  }
  /** The last lines llama-server logged (for error messages). */
  get logTail(): string {
    return this.#tail.join('\n')
  }

  /** Starts the process and resolves once `/health` answers 200; idempotent while ready. */
  start(): Promise<void> {
    return this.#serialize(async () => {
      if (this.#state === 'ready') return
      if (this.#state === 'failed') await this.#kill()
      await this.#start()
    })
  }

  /** Stops the process (SIGTERM, grace, SIGKILL to its group); idempotent. */
  stop(): Promise<void> {
    return this.#serialize(async () => {
      if (this.#state === 'stopped') return
      this.#set('stopping')
      await this.#kill()
      this.#set('stopped')
    })
  }

  #serialize<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(op, op)
    this.#queue = next.catch(() => {})
    return next
  }

  #set(state: ProcessState): void {
    this.#state = state
    this.emit('state', state)
  }

  async #start(): Promise<void> {
    const { bin, args, log, label } = this.options
    this.#set('starting')
    this.#port = undefined
    this.#tail.length = 0
    const [cmd, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', bin, ...args]] : [bin, [...args]]
    const spawn = this.options.spawn ?? nodeSpawn
    const child = spawn(cmd, argv, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] })
    this.#child = child
    let portFound: (port: number) => void = () => {}
    const portLine = new Promise<number>((r) => {
      portFound = r
    })
    let partial = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        this.#tail.push(line)
        if (this.#tail.length > 40) this.#tail.shift()
        const m = LISTENING.exec(line)
        if (m) portFound(Number(m[1]))
        log('debug', line, { instance: label })
      }
    })
    let exitInfo: [number | null, NodeJS.Signals | null] | undefined
    let spawnError: Error | undefined
    this.#exited = new Promise<void>((resolve) => {
      child.once('error', (e) => {
        spawnError = e
        exitInfo = [null, null]
        resolve()
      })
      child.once('exit', (code, signal) => {
        exitInfo = [code, signal]
        resolve()
        // An exit nobody asked for: report it once the start (if any) has failed.
        if (this.#child === child && (this.#state === 'ready' || this.#state === 'starting')) {
          const was = this.#state
          this.#set('failed')
          if (was === 'ready') {
            log('warn', 'llama-server exited', { instance: label, code, signal })
            this.emit('exit', code, signal)
          }
        }
      })
    })
    const deadline = Date.now() + this.options.startTimeoutMs
    const fail = async (why: string): Promise<never> => {
      await this.#kill()
      this.#set('failed')
      const tail = this.#tail.slice(-8).join('\n  ')
      throw new ProcessStartError(
        `${label}: llama-server ${why}${tail ? `; its last lines:\n  ${tail}` : ''}`,
      )
    }
    const exited = this.#exited.then(() => 'exited' as const)
    const port = await Promise.race([portLine, exited, sleep(Math.max(0, deadline - Date.now()))])
    if (port === 'exited') {
      return fail(
        spawnError
          ? `could not be started (${spawnError.message})`
          : `exited during start (code ${exitInfo?.[0]}, signal ${exitInfo?.[1]})`,
      )
    }
    if (typeof port !== 'number') return fail(`did not listen within ${this.options.startTimeoutMs} ms`)
    this.#port = port
    // Readiness: /health is 503 while the model loads, 200 once it serves.
    while (Date.now() < deadline) {
      if (exitInfo) return fail(`exited while loading (code ${exitInfo[0]}, signal ${exitInfo[1]})`)
      const status = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) }).then(
        async (r) => {
          await r.body?.cancel()
          return r.status
        },
        () => 0,
      )
      if (status === 200) {
        if (exitInfo) break
        this.#set('ready')
        log('info', 'llama-server ready', { instance: label, pid: child.pid, port })
        return
      }
      await Promise.race([sleep(25), exited])
    }
    return fail(exitInfo ? 'exited while loading' : `was not ready within ${this.options.startTimeoutMs} ms`)
  }

  /** SIGTERM to the process group, then SIGKILL after the grace period; resolves once it exited. */
  async #kill(): Promise<void> {
    const child = this.#child
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return this.#exited
    signalGroup(child.pid, 'SIGTERM')
    const timer = setTimeout(() => signalGroup(child.pid as number, 'SIGKILL'), this.options.stopGraceMs)
    await this.#exited
    clearTimeout(timer)
    // Anything the server itself spawned goes with the group.
    signalGroup(child.pid, 'SIGKILL')
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // Already gone.
  }
}

/** A timer that never keeps the process alive on its own (start timeouts are long). */
function sleep(ms: number): Promise<'timeout'> {
  return new Promise((r) => setTimeout(() => r('timeout'), ms).unref())
}
