import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runner } from '../../gpu-runner/runner'
import { chatBody, post, removeModels, startTestRunner, tinyModels } from '../helpers/runner'

/** Protection: a bounded queue (429), no ready instance (503), the per-request time limit (504). */
describe('gpu-runner limits', () => {
  let runner: Runner
  let models: Awaited<ReturnType<typeof tinyModels>> | undefined

  beforeAll(async () => {
    models = await tinyModels()
    const broken = join(models.dir, 'broken.gguf')
    writeFileSync(broken, 'GGUF but not really')
    runner = await startTestRunner({
      models,
      model: { parallel: 1, maxQueue: 1, contextSize: 4096 },
      server: { requestTimeoutMs: 1000 },
      extraModels: [{ name: 'broken', path: broken, gpuLayers: 0, contextSize: 256, parallel: 1 }],
    })
  }, 300_000)
  afterAll(async () => {
    await runner?.close()
    removeModels(models)
  })

  it('answers 429 with Retry-After once the slot and the queue are taken', async () => {
    // The slot and the queue are taken first, deterministically (five requests at once raced:
    // under load the first could finish before the last arrived).
    const limiter = runner.pools.get('tiny')?.limiter
    expect(limiter).toBeDefined()
    const until = async (cond: () => boolean) => {
      const end = Date.now() + 5000
      while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5))
      expect(cond()).toBe(true)
    }
    // Each runs until the 1-second time limit.
    const long = () => post(`${runner.url}/v1/chat/completions`, chatBody('tiny', { max_tokens: 3000 }))
    const holding = long()
    await until(() => limiter?.active === 1)
    const waiting = long()
    await until(() => limiter?.queued === 1)
    const refused = await Promise.all(
      Array.from({ length: 3 }, () =>
        post(`${runner.url}/v1/chat/completions`, chatBody('tiny', { max_tokens: 300 })),
      ),
    )
    expect(refused.map((r) => r.status)).toEqual([429, 429, 429])
    expect(refused[0]?.headers.get('retry-after')).toBe('1')
    expect(await refused[0]?.json()).toMatchObject({
      error: { type: 'rate_limit_error', code: 'queue_full' },
    })
    const admitted = await Promise.all([holding, waiting])
    expect(admitted.map((r) => r.status)).not.toContain(429)
  })

  it('answers 503 with Retry-After for a model with no ready instance, while the others serve', async () => {
    const r = await post(`${runner.url}/v1/chat/completions`, chatBody('broken'))
    expect(r.status).toBe(503)
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await r.json()).toMatchObject({ error: { code: 'not_ready', type: 'server_error' } })
    const ready = (await (await fetch(`${runner.url}/readyz`)).json()) as {
      ready: boolean
      models: Array<{ name: string; state: string }>
    }
    expect(ready.ready).toBe(true)
    expect(ready.models.find((m) => m.name === 'broken')?.state).toBe('restarting')
  })

  it('cancels a request that passes the time limit with a 504 and frees its slot', async () => {
    const started = Date.now()
    const r = await post(`${runner.url}/v1/chat/completions`, chatBody('tiny', { max_tokens: 4000 }))
    expect(r.status).toBe(504)
    expect(Date.now() - started).toBeLessThan(1800)
    expect(await r.json()).toMatchObject({ error: { code: 'timeout' } })
    const upstream = runner.pools.get('tiny')?.current?.process.url as string
    const until = Date.now() + 2000
    const busy = async () =>
      ((await (await fetch(`${upstream}/slots`)).json()) as Array<{ is_processing: boolean }>).some(
        (s) => s.is_processing,
      )
    while ((await busy()) && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    expect(await busy()).toBe(false)
    expect((await post(`${runner.url}/v1/chat/completions`, chatBody('tiny'))).status).toBe(200)
  })
})
