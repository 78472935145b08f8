/**
 * `npm run bench:swap`: what an adapter change costs in memory and time, in the two swap modes, on
 * the tiny model (CPU). For each mode a runner starts with one adapter; another is uploaded while
 * the resident memory (VmRSS) of the model's llama-servers is sampled every 5 ms, and a caller asks
 * in a loop. Printed: memory before, the peak during the change and its ratio, the swap time, and
 * the longest a request took meanwhile (the pause `restart` trades for memory).
 */
import { readFileSync } from 'node:fs'
import { chatBody, post, removeModels, startTestRunner, TEST_KEY, tinyModels } from '../helpers/runner'

const out = (s: string) => process.stdout.write(`${s}\n`)

function rssKb(pid: number | undefined): number {
  if (!pid) return 0
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

async function measure(mode: 'overlap' | 'restart') {
  const models = await tinyModels()
  const runner = await startTestRunner({ models, adapters: ['lora-a'], model: { swap: mode } })
  try {
    const pool = runner.pools.get('tiny')
    const total = () => (pool?.generations ?? []).reduce((kb, g) => kb + rssKb(g.process.pid), 0)
    // Warm: one request, then the steady figure.
    await post(`${runner.url}/v1/chat/completions`, chatBody('tiny'))
    const before = total()
    let peak = before
    const sampler = setInterval(() => {
      peak = Math.max(peak, total())
    }, 5)
    let asking = true
    let longest = 0
    const caller = (async () => {
      while (asking) {
        const t0 = performance.now()
        await post(`${runner.url}/v1/chat/completions`, chatBody('tiny', { max_tokens: 8 }))
        longest = Math.max(longest, performance.now() - t0)
      }
    })()
    const t0 = performance.now()
    const r = await fetch(`${runner.url}/v1/adapters?name=lora-b&base=tiny`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/octet-stream' },
      body: readFileSync(models.loraB),
    })
    const swapMs = performance.now() - t0
    if (r.status !== 201) throw new Error(`upload: ${r.status} ${await r.text()}`)
    await new Promise((res) => setTimeout(res, 200))
    asking = false
    await caller
    clearInterval(sampler)
    return { before, peak, swapMs, longest }
  } finally {
    await runner.close()
    removeModels(models)
  }
}

out('adapter change on the tiny model (CPU), resident memory of its llama-servers sampled every 5 ms')
for (const mode of ['overlap', 'restart'] as const) {
  const m = await measure(mode)
  out(
    `swap: ${mode.padEnd(7)}  before ${(m.before / 1024).toFixed(0)} MB, peak ${(m.peak / 1024).toFixed(0)} MB ` +
      `(${(m.peak / m.before).toFixed(2)}×), swap ${m.swapMs.toFixed(0)} ms, longest request meanwhile ${m.longest.toFixed(0)} ms`,
  )
}
