import type { DurableObjectNamespace, DurableObjectState } from '@cloudflare/workers-types'

/**
 * A request budget shared by every invocation that talks to one workspace: Slack's rate limits
 * are per workspace and method (`chat.startStream` Tier 2, `appendStream` Tier 4, `update` Tier
 * 3), and concurrent answers run in separate invocations, so the count lives in one Durable Object
 * per workspace (`RateBudgetObject`). It grants what fits in a sliding window and refuses the
 * rest; callers only ask for what they can do without (a streamed update skipped goes out with
 * the next one or at the end; a stream not started becomes one whole answer).
 */
export interface RateBudget {
  /**
   * Takes one call of `bucket` in `scope` if fewer than `limit` were granted in the last
   * `windowMs`. When the budget cannot be asked, `whenUnavailable` decides (default: refuse, so
   * an optional call is not made).
   */
  take(
    scope: string,
    bucket: string,
    limit: number,
    windowMs?: number,
    whenUnavailable?: 'refuse' | 'grant',
  ): Promise<boolean>
}

/** Grants per bucket in a sliding window: at most `limit` timestamps inside it. */
export function slidingTake(grants: number[], limit: number, windowMs: number, now: number) {
  const kept = grants.filter((t) => t > now - windowMs)
  const ok = kept.length < limit
  if (ok) kept.push(now)
  return { ok, kept }
}

/**
 * The Durable Object behind the budget (wrangler.toml binds it as `RATE_BUDGET`). The grants are
 * kept in its storage, not only in memory: the runtime evicts an idle object (after seconds, in
 * workerd), and a window that forgot its grants would let a burst through.
 */
export class RateBudgetObject {
  constructor(private readonly state: DurableObjectState) {}
  async fetch(request: Request): Promise<Response> {
    const { bucket, limit, windowMs } = (await request.json()) as {
      bucket: string
      limit: number
      windowMs: number
    }
    const { ok, kept } = slidingTake(
      (await this.state.storage.get<number[]>(bucket)) ?? [],
      limit,
      windowMs,
      Date.now(),
    )
    await this.state.storage.put(bucket, kept)
    return Response.json({ granted: ok })
  }
}

/**
 * The budget over the `RATE_BUDGET` binding. Without the binding (Node tools) there is none; a
 * Durable Object that fails to answer refuses, so a budget that cannot be checked is not spent.
 */
export function rateBudgetOf(
  ns: DurableObjectNamespace | undefined,
  warn: (m: string) => void,
): RateBudget | undefined {
  if (!ns) return undefined
  return {
    async take(scope, bucket, limit, windowMs = 60_000, whenUnavailable = 'refuse') {
      try {
        const stub = ns.get(ns.idFromName(scope))
        const res = await stub.fetch('https://rate-budget/take', {
          method: 'POST',
          body: JSON.stringify({ bucket, limit, windowMs }),
        })
        return ((await res.json()) as { granted: boolean }).granted
      } catch (e) {
        warn(`rate budget for ${scope} unavailable: ${e instanceof Error ? e.message : String(e)}`)
        return whenUnavailable === 'grant'
      }
    },
  }
}
