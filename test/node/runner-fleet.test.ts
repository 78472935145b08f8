import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChatMessage } from '../../workers/answering/chat-model'
import { isPolicybotError } from '../../workers/errors'
import { createFleet, forgetRunnerStates } from '../../workers/runners/fleet'
import { type RunnerProcess, removeModels, spawnTestRunner, TEST_KEY, tinyModels } from '../helpers/runner'
import { chatRequestsServed } from '../helpers/runner-counts'
import type { TinyModels } from '../helpers/tiny-gguf'

const served = (url: string, adapter: string) => chatRequestsServed(url, TEST_KEY, adapter)

/**
 * The Worker's routing across real runners (each its own `policybot-runner` process on the tiny
 * model): adapter-aware, least busy first, failing over when a runner dies, and never sending a
 * request again once its text has been streamed.
 */
const ASK: ChatMessage[] = [{ role: 'user', content: 'How many vacation days do I get?' }]

describe('a fleet of runners', () => {
  let models: (TinyModels & { dir: string }) | undefined
  // hr on r1 and r2, it on r2 and r3: every adapter is on two runners.
  let r1: RunnerProcess
  let r2: RunnerProcess
  let r3: RunnerProcess

  beforeAll(async () => {
    models = await tinyModels()
    const m = models
    ;[r1, r2, r3] = await Promise.all([
      spawnTestRunner({ models: m, adapters: [{ name: 'hr', file: 'lora-a' }] }),
      spawnTestRunner({
        models: m,
        adapters: [
          { name: 'hr', file: 'lora-a' },
          { name: 'it', file: 'lora-b' },
        ],
      }),
      spawnTestRunner({ models: m, adapters: [{ name: 'it', file: 'lora-b' }] }),
    ])
    forgetRunnerStates()
  })
  afterAll(async () => {
    await Promise.all([r1, r2, r3].map((r) => r?.stop().catch(() => {})))
    removeModels(models)
  })

  it('sends each adapter only to runners that have it loaded, spreading the load', async () => {
    const fleet = createFleet(
      [r1, r2, r3].map((r) => ({ url: r.url, token: TEST_KEY })),
      { statusTtlMs: 200 },
    )
    const before = await Promise.all(
      [r1, r2, r3].map((r) => Promise.all([served(r.url, 'hr'), served(r.url, 'it'), served(r.url, '')])),
    )
    const by = new Map<string, number>()
    const ask = async (model: string) => {
      await fleet.chat(model).complete(ASK, {
        maxTokens: 8,
        served: (s) => by.set(`${model}@${s.runner}`, (by.get(`${model}@${s.runner}`) ?? 0) + 1),
      })
    }
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => ask(['tiny:hr', 'tiny:it', 'tiny'][i % 3] as string)),
    )
    const after = await Promise.all(
      [r1, r2, r3].map((r) => Promise.all([served(r.url, 'hr'), served(r.url, 'it'), served(r.url, '')])),
    )
    const delta = after.map((a, i) => a.map((n, j) => n - (before[i]?.[j] ?? 0)))
    // The runners' own counts: hr never reached r3, it never reached r1.
    expect(delta[2]?.[0]).toBe(0)
    expect(delta[0]?.[1]).toBe(0)
    expect(delta.reduce((n, d) => n + (d[0] ?? 0), 0)).toBe(4)
    expect(delta.reduce((n, d) => n + (d[1] ?? 0), 0)).toBe(4)
    // Twelve requests at once over three runners of two slots: no runner took them all.
    const perRunner = delta.map((d) => d.reduce((a, b) => a + b, 0))
    expect(Math.max(...perRunner)).toBeLessThan(12)
    expect(perRunner.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2)
    // What the fleet reported as serving agrees with the runners.
    expect([...by.keys()].some((k) => k.startsWith('tiny:hr@') && k.endsWith(r3.url))).toBe(false)
  })

  it('loses no request for an adapter another runner serves when a runner is killed under load', async () => {
    const fleet = createFleet(
      [r1, r2, r3].map((r) => ({ url: r.url, token: TEST_KEY })),
      { statusTtlMs: 200, timeoutMs: 15_000 },
    )
    let stop = false
    const results = { ok: 0, failed: [] as string[], cutOff: 0, streamed: 0 }
    const onR2AfterKill: string[] = []
    let killedAt = 0
    // Whole answers (the answering pipeline's `complete`): failed over wherever they were.
    const whole = async (model: string) => {
      while (!stop) {
        try {
          await fleet.chat(model).complete(ASK, {
            maxTokens: 24,
            served: (s) => {
              if (killedAt && s.runner === r2.url) onR2AfterKill.push(model)
            },
          })
          results.ok++
        } catch (e) {
          results.failed.push(`${model}: ${(e as Error).message}`)
        }
      }
    }
    // Streams: failed over until their first text; after that, cut off with the runner.
    const streamed = async (model: string) => {
      while (!stop) {
        let text = ''
        try {
          for await (const t of (
            fleet.chat(model).stream as NonNullable<ReturnType<typeof fleet.chat>['stream']>
          )(ASK, {
            maxTokens: 24,
          }))
            text += t
          results.streamed++
        } catch (e) {
          if (text && isPolicybotError(e, 'CHAT_ERROR')) results.cutOff++
          else results.failed.push(`${model} (stream): ${(e as Error).message}`)
        }
      }
    }
    const load = [
      whole('tiny:hr'),
      whole('tiny:it'),
      whole('tiny:hr'),
      whole('tiny:it'),
      streamed('tiny:hr'),
      streamed('tiny:it'),
    ]
    await new Promise((r) => setTimeout(r, 1500))
    const okBefore = results.ok
    await r2.kill()
    killedAt = Date.now()
    await new Promise((r) => setTimeout(r, 3000))
    stop = true
    await Promise.all(load)
    expect(okBefore).toBeGreaterThan(0)
    expect(results.failed).toEqual([])
    // Serving went on after the kill, on the other runners.
    expect(results.ok).toBeGreaterThan(okBefore + 4)
    expect(results.streamed).toBeGreaterThan(0)
    expect(onR2AfterKill).toEqual([])
    // At most the two streams that were mid-answer on r2 were cut off; none was sent twice.
    expect(results.cutOff).toBeLessThanOrEqual(2)
    const health = await fleet.health()
    expect(health.map((h) => h.state)).toEqual(['ready', 'unreachable', 'ready'])
  })
})
