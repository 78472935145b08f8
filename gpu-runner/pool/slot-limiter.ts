import { RunnerError } from '../errors'

/**
 * Bounds the requests one base model serves at once (its llama-server slots) and the requests
 * waiting for a slot. A full queue is refused at once with 429 + Retry-After rather than left to
 * pile up; a waiting caller that gives up (client gone, timeout) leaves the queue.
 *
 * Requests carry a **group**: their adapter (`''` the base model). llama-server decodes only the
 * slots whose LoRA list equals that of the lowest-numbered busy slot in each step, so under
 * steady load a request for a less used adapter in a higher slot is never decoded: measured here,
 * a one-token request for a new adapter waited 150 s behind four streams of other adapters.
 * So groups take turns: a request starts only when its group is the one in flight (or nothing
 * is), and once a request of another group waits, newcomers queue behind it (first come, first
 * served); when the group in flight finishes, the oldest waiter's group goes next, with every
 * waiter of that group at the head of the queue. A request then waits at most for the requests
 * in flight ahead of it, and llama-server never holds two groups at once.
 */
export class SlotLimiter {
  #active = 0
  /** The group in flight (meaningful while `#active > 0`). */
  #group = ''
  readonly #waiting: Array<{ group: string; grant: () => void; fail: (e: unknown) => void }> = []

  constructor(
    readonly max: number,
    readonly maxQueue: number,
  ) {}

  get active(): number {
    return this.#active
  }
  get queued(): number {
    return this.#waiting.length
  }

  /**
   * Resolves with a release function once a slot is free and `group`'s turn has come; throws
   * QUEUE_FULL when the queue is full.
   */
  acquire(signal?: AbortSignal, group = ''): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.#waiting.length === 0 && this.#startable(group)) {
      this.#start(group)
      return Promise.resolve(this.#releaser())
    }
    if (this.#waiting.length >= this.maxQueue) {
      return Promise.reject(
        new RunnerError(
          'QUEUE_FULL',
          `all ${this.max} slots are busy and ${this.maxQueue} requests are queued`,
          {
            retryAfter: 1,
          },
        ),
      )
    }
    return new Promise((resolve, reject) => {
      const entry = {
        group,
        grant: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve(this.#releaser())
        },
        fail: reject,
      }
      const onAbort = () => {
        const i = this.#waiting.indexOf(entry)
        if (i >= 0) this.#waiting.splice(i, 1)
        reject(signal?.reason)
        // The head may have changed to one that can start.
        this.#dispatch()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiting.push(entry)
    })
  }

  /** Fails everyone still waiting (shutdown). */
  rejectAll(error: unknown): void {
    for (const w of this.#waiting.splice(0)) w.fail(error)
  }

  #startable(group: string): boolean {
    return this.#active < this.max && (this.#active === 0 || this.#group === group)
  }

  #start(group: string): void {
    this.#active++
    this.#group = group
  }

  /** Starts waiters from the head of the queue while they may. */
  #dispatch(): void {
    for (let head = this.#waiting[0]; head && this.#startable(head.group); head = this.#waiting[0]) {
      this.#waiting.shift()
      this.#start(head.group)
      head.grant()
    }
  }

  #releaser(): () => void {
    let done = false
    return () => {
      if (done) return
      done = true
      this.#active--
      this.#dispatch()
    }
  }
}
