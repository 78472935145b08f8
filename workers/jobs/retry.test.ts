import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { MAX_ATTEMPTS, retryDelaySeconds, retrySpanSeconds } from './retry'

describe('the retry schedule of jobs', () => {
  it('outlasts a platform outage of an hour, as the queue is configured', () => {
    const toml = readFileSync(new URL('../../wrangler.toml', import.meta.url), 'utf8')
    const maxRetries = Number(
      /\[\[queues\.consumers\]\]\s*queue = "policybot-jobs"[\s\S]*?max_retries = (\d+)/.exec(toml)?.[1],
    )
    expect(maxRetries + 1).toBe(MAX_ATTEMPTS)
    expect(retrySpanSeconds()).toBeGreaterThanOrEqual(3600)
  })

  it('backs off exponentially up to five minutes, and never sooner than Retry-After asks', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => retryDelaySeconds(a, { retryable: true }))).toEqual([
      5, 10, 20, 40, 80, 160, 300, 300,
    ])
    expect(retryDelaySeconds(1, { retryable: true, retryAfterSeconds: 40 })).toBe(40)
    expect(retryDelaySeconds(8, { retryable: true, retryAfterSeconds: 1200 })).toBe(1200)
    expect(retryDelaySeconds(8, { retryable: true, retryAfterSeconds: 10 ** 9 })).toBe(43_200)
  })
})
