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
 * So groups take turns. A turn belongs to one group: it starts with the oldest waiter's group
 * when nothing is in flight, and admits that group's requests that were already waiting when it
 * began (as slots free up); newcomers of the group join it only while no other group waits.
 * When the turn's requests are done, the oldest waiter's group has the next turn. A request thus
 * waits at most for the turns of the groups ahead of it, llama-server never holds two groups at
 * once, and each turn batches all of its group's waiting requests.
 */
export class SlotLimiter {
  #active = 0
  /** The group whose turn it is (meaningful while `#active > 0`). */
  #group = ''
  /** Arrival numbers: a turn admits its group's waiters that arrived up to `#cutoff`. */
  #seq = 0
  #cutoff = 0
  readonly #waiting: Array<{ group: string; seq: number; grant: () => void; fail: (e: unknown) => void }> = []

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
    const seq = ++this.#seq
    if (
      this.#waiting.length === 0 &&
      this.#active < this.max &&
      (this.#active === 0 || this.#group === group)
    ) {
      if (this.#active === 0) this.#turn(group)
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
        group,
        seq,
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
      this.#dispatch()
    })
  }

  /** Fails everyone still waiting (shutdown). */
  rejectAll(error: unknown): void {
    for (const w of this.#waiting.splice(0)) w.fail(error)
  }

  #turn(group: string): void {
    this.#group = group
    this.#cutoff = this.#seq
  }

  /** Starts the waiters whose turn it is, as slots allow. */
  #dispatch(): void {
    while (this.#active < this.max && this.#waiting.length) {
      if (this.#active === 0) this.#turn((this.#waiting[0] as { group: string }).group)
      const othersWait = this.#waiting.some((w) => w.group !== this.#group)
      const i = this.#waiting.findIndex(
        (w) => w.group === this.#group && (!othersWait || w.seq <= this.#cutoff),
      )
      if (i < 0) return
      const [next] = this.#waiting.splice(i, 1)
      this.#active++
      next?.grant()
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
