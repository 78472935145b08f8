import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runner } from '../../gpu-runner/runner'
import { chatBody, post, removeModels, startTestRunner, tinyModels } from '../helpers/runner'
import type { TinyModels } from '../helpers/tiny-gguf'

/**
 * A department whose adapter is asked rarely is not starved by busier ones. llama-server decodes,
 * in each step, only the slots whose LoRA list equals the lowest busy slot's; a request for
 * another adapter in a higher slot waited 150 s behind four streams in the benchmark. The runner
 * lets adapters take turns (gpu-runner/pool/slot-limiter.ts).
 */
describe('adapters under mixed load', () => {
  let models: TinyModels & { dir: string }
  let runner: Runner

  beforeAll(async () => {
    models = await tinyModels()
    runner = await startTestRunner({
      models,
      adapters: ['lora-a', 'lora-b'],
      model: { parallel: 8, contextSize: 8 * 512 },
    })
  }, 300_000)
  afterAll(async () => {
    await runner?.close()
    removeModels(models)
  })

  it('serves a rarely asked adapter within the time of the requests ahead of it, while others stream without pause', async () => {
    let running = true
    let streamed = 0
    // Four callers keep the base model and adapter a busy the whole time.
    const load = Array.from({ length: 4 }, async (_, w) => {
      while (running) {
        const res = await post(
          `${runner.url}/v1/chat/completions`,
          chatBody(w % 2 ? 'tiny:lora-a' : 'tiny', { stream: true, max_tokens: 64 }),
        )
        await res.text()
        streamed++
      }
    })
    const waits: number[] = []
    try {
      await new Promise((r) => setTimeout(r, 300))
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now()
        const ac = AbortSignal.timeout(10_000)
        const res = await fetch(`${runner.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer test-runner-key-0123456789' },
          body: JSON.stringify(chatBody('tiny:lora-b', { max_tokens: 1 })),
          signal: ac,
        }).catch((e: Error) => ({ status: 0, text: async () => e.message }))
        expect(res.status, await res.text()).toBe(200)
        waits.push(performance.now() - t0)
      }
    } finally {
      running = false
      await Promise.all(load)
    }
    // Each waited for a few requests of the others at most (64 tokens take ~40 ms here).
    expect(Math.max(...waits)).toBeLessThan(3000)
    expect(streamed).toBeGreaterThan(8)
  })
})
