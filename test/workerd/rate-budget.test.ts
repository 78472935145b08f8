import { env, evictDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { rateBudgetOf } from '../../workers/rate-budget'

/** The per-workspace budget in the real Durable Object runtime. */
describe('the rate budget', () => {
  it('keeps its window across an eviction of the object (the runtime evicts idle objects)', async () => {
    const ns = (env as { RATE_BUDGET: DurableObjectNamespace }).RATE_BUDGET
    const budget = rateBudgetOf(ns as never, () => {})
    expect(budget).toBeDefined()
    const scope = `slack:T0EVICT${Date.now()}`
    const take = () => budget?.take(scope, 'chat.startStream', 3)
    expect([await take(), await take(), await take(), await take()]).toEqual([true, true, true, false])
    await evictDurableObject(ns.get(ns.idFromName(scope)))
    expect(await take()).toBe(false)
    // Other workspaces have budgets of their own.
    expect(await budget?.take(`${scope}-other`, 'chat.startStream', 3)).toBe(true)
  })
})
