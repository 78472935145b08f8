import type { RetryAdvice } from '../errors'

/**
 * Attempts the queue gives a job (wrangler.toml: `max_retries` is one less). With the delays
 * below they span about 95 minutes, so a question outlives a platform outage of an hour and is
 * delivered after it (`retrySpanSeconds`).
 */
export const MAX_ATTEMPTS = 25

/** Delay after the first failed attempt, doubled after each failure up to MAX_DELAY_S. */
export const FIRST_DELAY_S = 5
export const MAX_DELAY_S = 300
/** The longest delay Cloudflare Queues accepts (12 hours). */
const QUEUE_MAX_DELAY_S = 43_200

/**
 * Seconds to wait before the next attempt after attempt `attempt` (1-based) failed: exponential
 * backoff, never shorter than what the platform asked for (`Retry-After`).
 */
export function retryDelaySeconds(attempt: number, advice: RetryAdvice): number {
  const backoff = Math.min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** Math.max(0, attempt - 1))
  return Math.min(QUEUE_MAX_DELAY_S, Math.max(backoff, Math.ceil(advice.retryAfterSeconds ?? 0)))
}

/** How long a job keeps being retried before it is parked, without any `Retry-After`. */
export function retrySpanSeconds(): number {
  let total = 0
  for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++)
    total += retryDelaySeconds(attempt, { retryable: true })
  return total
}
