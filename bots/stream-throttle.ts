import type { AnswerStream } from '../workers/outbox'
import type { AnswerReply } from './reply'

/**
 * What every platform's answer stream shares: the growing text is kept, sends are serialized (one
 * at a time, in order) and throttled (at most one per interval, the caller never waits), and only
 * growth is shown (the checks at the end may still change the text). A platform says how to show
 * the text (`send`, given what is already shown) and how to end (`finish`, `abandon`), which run
 * once the sends in flight are done.
 */
export interface ThrottledStreamOptions {
  /** Shows `text`; `false` when it chose not to (a rate budget said no): the text goes with the next send. */
  send(text: string, shown: string): Promise<unknown>
  finish(reply: AnswerReply, shown: string): Promise<string | undefined>
  abandon(note: string, shown: string): Promise<void>
  intervalMs: number
  now?: (() => number) | undefined
  /** Told of a send that failed (its text goes out with the next send, or at the end). */
  warn?: ((message: string) => void) | undefined
}

export function throttledStream(o: ThrottledStreamOptions): AnswerStream {
  const now = o.now ?? Date.now
  let shown = ''
  let latest = ''
  let lastSend = Number.NEGATIVE_INFINITY
  let chain: Promise<void> = Promise.resolve()
  const run = async () => {
    const text = latest
    if (text === shown) return
    if ((await o.send(text, shown)) !== false) shown = text
  }
  // A failed send is not the end of the answer: `shown` only grows on success, so the next send
  // (or the end) carries the text that did not get through.
  const enqueue = (fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((e: unknown) => {
      o.warn?.(`a streamed update failed: ${e instanceof Error ? e.message : String(e)}`)
    })
    return chain
  }
  const settle = () => enqueue(async () => {})
  return {
    get started() {
      return latest !== ''
    },
    update(textSoFar) {
      if (!textSoFar.startsWith(shown)) return
      latest = textSoFar
      if (now() - lastSend >= o.intervalMs) {
        lastSend = now()
        void enqueue(run)
      }
    },
    finish: async (reply) => {
      await settle()
      return o.finish(reply, shown)
    },
    abandon: async (note) => {
      await settle()
      return o.abandon(note, shown)
    },
  }
}
