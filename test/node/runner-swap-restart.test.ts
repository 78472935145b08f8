import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runner } from '../../gpu-runner/runner'
import {
  chatBody,
  keepAsking,
  post,
  removeModels,
  startTestRunner,
  TEST_KEY,
  tinyModels,
} from '../helpers/runner'
import type { TinyModels } from '../helpers/tiny-gguf'

/**
 * `swap: restart`, for hosts that cannot hold two copies of a model: an adapter change stops the
 * old llama-server (after its requests) before starting the new one, and the requests that come
 * meanwhile wait in the queue instead of failing. Never two llama-servers of the model at once.
 */
describe('gpu-runner swap: restart', () => {
  let models: TinyModels & { dir: string }
  let runner: Runner
  const auth = { authorization: `Bearer ${TEST_KEY}` }

  beforeAll(async () => {
    models = await tinyModels()
    runner = await startTestRunner({ models, adapters: ['lora-a'], model: { swap: 'restart' } })
  }, 300_000)
  afterAll(async () => {
    await runner?.close()
    removeModels(models)
  })

  it('adds an adapter under load with no failed request and never two llama-servers', async () => {
    const pool = runner.pools.get('tiny')
    let most = 0
    const sampler = setInterval(() => {
      most = Math.max(most, pool?.generations.length ?? 0)
    }, 5)
    const traffic = keepAsking(runner.url, 3, ['tiny', 'tiny:lora-a'])
    let stopped = { ok: 0, failures: ['not stopped'] }
    try {
      await new Promise((r) => setTimeout(r, 300))
      const before = pool?.current?.id ?? 0
      const upload = await fetch(`${runner.url}/v1/adapters?name=lora-b&base=tiny`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: readFileSync(models.loraB),
      })
      expect(upload.status).toBe(201)
      expect(((await upload.json()) as { generation: number }).generation).toBe(before + 1)
      await new Promise((r) => setTimeout(r, 300))
    } finally {
      clearInterval(sampler)
      stopped = await traffic.stop()
    }
    const { ok, failures } = stopped
    expect(failures).toEqual([])
    expect(ok).toBeGreaterThan(5)
    expect(most).toBe(1)
    // The new adapter serves, and the old ones still do.
    for (const model of ['tiny', 'tiny:lora-a', 'tiny:lora-b'])
      expect((await post(`${runner.url}/v1/chat/completions`, chatBody(model))).status).toBe(200)
  })
})
