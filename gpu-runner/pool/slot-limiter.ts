import { RunnerError } from '../errors'

/**
 * Bounds the requests one base model serves at once (its llama-server slots) and the requests
 * waiting for a slot. A full queue is refused at once with 429 + Retry-After rather than left to
 * pile up; a waiting caller that gives up (client gone, timeout) leaves the queue.
 */
export class SlotLimiter {
  #active = 0
  readonly #waiting: Array<{ grant: () => void; fail: (e: unknown) => void }> = []

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

  /** Resolves with a release function once a slot is free; throws QUEUE_FULL when the queue is full. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    if (this.#active < this.max) {
      this.#active++
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
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiting.push(entry)
    })
  }

  /** Fails everyone still waiting (shutdown). */
  rejectAll(error: unknown): void {
    for (const w of this.#waiting.splice(0)) w.fail(error)
  }

  #releaser(): () => void {
    let done = false
    return () => {
      if (done) return
      done = true
      const next = this.#waiting.shift()
      // The slot passes straight to the next waiter; `active` only drops when nobody waits.
      if (next) next.grant()
      else this.#active--
    }
  }
}
