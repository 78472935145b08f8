/**
 * What every platform's answer stream shares: the growing text is kept, sends are serialized (one
 * at a time, in order) and throttled (at most one per interval, the caller never waits), and only
 * growth is shown (the checks at the end may still change the text). `send` gets the text to show
 * and what is already shown; `settle` waits for the sends in flight.
 */
export function throttledText(
  send: (text: string, shown: string) => Promise<void>,
  options: { intervalMs: number; now?: (() => number) | undefined },
) {
  const now = options.now ?? Date.now
  let shown = ''
  let latest = ''
  let lastSend = Number.NEGATIVE_INFINITY
  let chain: Promise<void> = Promise.resolve()
  const run = async () => {
    const text = latest
    if (text === shown) return
    await send(text, shown)
    shown = text
  }
  const enqueue = (fn: () => Promise<void>) => {
    chain = chain.then(fn, fn)
    return chain
  }
  return {
    get shown() {
      return shown
    },
    /** Whether any text came (what was sent is at least that). */
    get started() {
      return latest !== ''
    },
    update(textSoFar: string) {
      if (!textSoFar.startsWith(shown)) return
      latest = textSoFar
      if (now() - lastSend >= options.intervalMs) {
        lastSend = now()
        void enqueue(run)
      }
    },
    settle: () => enqueue(async () => {}),
  }
}
