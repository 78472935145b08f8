import { copyFileSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runner } from '../../gpu-runner/runner'
import {
  chatBody,
  chatText,
  isAlive,
  keepAsking,
  post,
  removeModels,
  startTestRunner,
  TEST_KEY,
  tinyModels,
} from '../helpers/runner'
import type { TinyModels } from '../helpers/tiny-gguf'

/**
 * Adapter changes under continuous load, and crashes: llama-server loads adapters only at start,
 * so every change is a new generation that must take over with zero failed requests.
 */
describe('gpu-runner hot swap and supervision', () => {
  let models: TinyModels & { dir: string }
  let runner: Runner
  let stateDir: string
  const auth = { authorization: `Bearer ${TEST_KEY}` }

  beforeAll(async () => {
    models = await tinyModels()
    stateDir = `${models.dir}/state`
    runner = await startTestRunner({ models, adapters: ['lora-a'], stateDir })
  }, 300_000)
  afterAll(async () => {
    await runner?.close()
    removeModels(models)
  })

  const load = (workers: number, modelsToUse: string[]) => keepAsking(runner.url, workers, modelsToUse)

  it('adds an uploaded adapter under load with zero failed requests, then serves it', async () => {
    const pool = runner.pools.get('tiny')
    const before = pool?.current
    const traffic = load(4, ['tiny', 'tiny:lora-a'])
    await new Promise((r) => setTimeout(r, 300))
    const upload = await fetch(`${runner.url}/v1/adapters?name=lora-b&base=tiny&department=HR`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: readFileSync(models.loraB),
    })
    const added = (await upload.json()) as { id: string; status: string; generation: number; swap_ms: number }
    expect(upload.status).toBe(201)
    expect(added).toMatchObject({ id: 'tiny:lora-b', status: 'serving', generation: (before?.id ?? 0) + 1 })
    await new Promise((r) => setTimeout(r, 300))
    const { ok, failures } = await traffic.stop()
    expect(failures).toEqual([])
    expect(ok).toBeGreaterThan(5)
    // The new adapter answers, differently from the base and lora-a.
    const outs = await Promise.all(
      ['tiny', 'tiny:lora-a', 'tiny:lora-b'].map(async (m) =>
        chatText(await post(`${runner.url}/v1/chat/completions`, chatBody(m))),
      ),
    )
    expect(new Set(outs).size).toBe(3)
    // The old generation drained and stopped.
    const until = Date.now() + 5000
    while (isAlive(before?.process.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    expect(isAlive(before?.process.pid)).toBe(false)
    expect(pool?.generations.map((g) => g.id)).toEqual([added.generation])
    const metrics = await (await fetch(`${runner.url}/metrics`, { headers: auth })).text()
    expect(metrics).toContain('policybot_runner_adapter_swaps_total{model="tiny",result="ok"} 1')
  })

  it('refuses an adapter that does not fit the base, and changes nothing', async () => {
    const pool = runner.pools.get('tiny')
    const generation = pool?.current?.id
    const wrong = await fetch(`${runner.url}/v1/adapters`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'legal', base: 'tiny', path: models.tinyB }),
    })
    expect(wrong.status).toBe(422)
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toMatch(/adapter/)
    const junk = await fetch(`${runner.url}/v1/adapters?name=legal&base=tiny`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: Buffer.from('definitely not a gguf file'),
    })
    expect(junk.status).toBe(422)
    expect(((await junk.json()) as { error: { message: string } }).error.message).toContain(
      'the uploaded file',
    )
    const dup = await fetch(`${runner.url}/v1/adapters`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'lora-a', base: 'tiny', path: models.loraA }),
    })
    expect(dup.status).toBe(409)
    expect(pool?.current?.id).toBe(generation)
  })

  it('removes an adapter under base load with zero failures; its name then gives 404', async () => {
    const traffic = load(3, ['tiny', 'tiny:lora-b'])
    await new Promise((r) => setTimeout(r, 200))
    const del = await fetch(`${runner.url}/v1/adapters/tiny:lora-b`, { method: 'DELETE', headers: auth })
    expect(del.status).toBe(200)
    const stopped = await traffic.stop()
    // Requests for lora-b that started after the switch are the only allowed failures: 404s.
    expect(stopped.failures.filter((f) => !/^tiny:lora-b: 404 /.test(f))).toEqual([])
    const gone = await post(`${runner.url}/v1/chat/completions`, chatBody('tiny:lora-b'))
    expect(gone.status).toBe(404)
    const inConfig = await fetch(`${runner.url}/v1/adapters/tiny:lora-a`, { method: 'DELETE', headers: auth })
    expect(inConfig.status).toBe(409)
  })

  it('restarts a killed llama-server; the caller in flight gets a clean error, not a hang', async () => {
    const pool = runner.pools.get('tiny')
    const victim = pool?.current
    const r = await post(
      `${runner.url}/v1/chat/completions`,
      chatBody('tiny', { stream: true, max_tokens: 480 }),
    )
    const reader = r.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>
    await reader.read()
    process.kill(victim?.process.pid as number, 'SIGKILL')
    let rest = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      rest += new TextDecoder().decode(value)
    }
    expect(rest).toMatch(/data: \{"error":\{"message":"llama-server closed the connection mid-answer"/)
    // No generation: 503 with Retry-After, then a new generation serves.
    const during = await post(`${runner.url}/v1/chat/completions`, chatBody('tiny'))
    expect(during.status).toBe(503)
    expect(during.headers.get('retry-after')).toMatch(/^\d+$/)
    // What the recovery takes (about a second here), not a fixed 5 s.
    expect(Number(during.headers.get('retry-after'))).toBeLessThanOrEqual(2)
    const until = Date.now() + 10_000
    // The 503 above may come from the dead socket before the pool has seen the exit: wait for a
    // generation other than the victim to be ready, not merely for the state to read 'ready'.
    const restarted = () => pool?.state === 'ready' && pool.current !== undefined && pool.current !== victim
    while (!restarted() && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    expect(pool?.current?.id).toBeGreaterThan(victim?.id ?? 0)
    const after = await post(`${runner.url}/v1/chat/completions`, chatBody('tiny:lora-a'))
    expect(after.status).toBe(200)
    const metrics = await (await fetch(`${runner.url}/metrics`, { headers: auth })).text()
    expect(metrics).toContain('policybot_runner_restarts_total{model="tiny"} 1')
  })

  it('remembers API-added adapters across a runner restart', async () => {
    const upload = await fetch(`${runner.url}/v1/adapters?name=it&base=tiny&scale=0.5`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: readFileSync(models.loraB),
    })
    expect(upload.status).toBe(201)
    await runner.close()
    runner = await startTestRunner({ models, adapters: ['lora-a'], stateDir })
    const list = (await (await fetch(`${runner.url}/v1/models`, { headers: auth })).json()) as {
      data: Array<{ id: string; ready: boolean }>
    }
    expect(list.data.map((m) => [m.id, m.ready])).toEqual([
      ['tiny', true],
      ['tiny:it', true],
      ['tiny:lora-a', true],
    ])
  })

  it('keeps a replaced adapter’s scale and department, and leaves no file behind for a refused upload', async () => {
    const files = () => readdirSync(join(stateDir, 'adapters', 'tiny')).sort()
    const upload = (query: string) =>
      fetch(`${runner.url}/v1/adapters?${query}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: readFileSync(models.loraB),
      })
    const described = async (id: string) => {
      const list = (await (await fetch(`${runner.url}/v1/adapters`, { headers: auth })).json()) as {
        data: Array<{ id: string; scale: number; department: string | null }>
      }
      return list.data.find((a) => a.id === id)
    }
    expect((await upload('name=hr&base=tiny&department=HR&scale=0.5')).status).toBe(201)
    // Replaced with a new file only: the department and scale stay.
    expect((await upload('name=hr&base=tiny&replace=true')).status).toBe(200)
    expect(await described('tiny:hr')).toMatchObject({ department: 'HR', scale: 0.5 })
    const before = files()
    // A config adapter cannot be replaced through the API: refused before anything is written.
    const config = await upload('name=lora-a&base=tiny&replace=true')
    expect(config.status).toBe(409)
    expect(files()).toEqual(before)
    // Two uploads of one new name at once: one wins, the other's file is not left behind.
    const [a, b] = await Promise.all([upload('name=legal&base=tiny'), upload('name=legal&base=tiny')])
    expect([a.status, b.status].sort()).toEqual([201, 409])
    expect(files()).toHaveLength(before.length + 1)
  })

  it('leaves out an adapter whose file disappeared, instead of failing every change and every restart', async () => {
    const vanishing = join(models.dir, 'vanishing.gguf')
    copyFileSync(models.loraB, vanishing)
    const registered = await fetch(`${runner.url}/v1/adapters`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'vanishing', base: 'tiny', path: vanishing }),
    })
    expect(registered.status).toBe(201)
    rmSync(vanishing)
    // An unrelated change still goes through; the broken adapter is left out and reported.
    const other = await fetch(`${runner.url}/v1/adapters?name=finance&base=tiny`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: readFileSync(models.loraA),
    })
    expect(other.status).toBe(201)
    const listed = (await (await fetch(`${runner.url}/v1/adapters`, { headers: auth })).json()) as {
      data: Array<{ id: string; status: string; error?: string }>
    }
    expect(listed.data.find((a) => a.id === 'tiny:vanishing')).toMatchObject({ status: 'dropped' })
    expect(listed.data.find((a) => a.id === 'tiny:finance')).toMatchObject({ status: 'serving' })
    const ready = (await (await fetch(`${runner.url}/readyz`)).json()) as {
      models: Array<{ dropped: Array<{ name: string }> }>
    }
    expect(ready.models[0]?.dropped.map((d) => d.name)).toEqual(['vanishing'])
    const asked = await post(`${runner.url}/v1/chat/completions`, chatBody('tiny:vanishing'))
    expect(asked.status).toBe(404)
    expect(((await asked.json()) as { error: { message: string } }).error.message).toMatch(/unavailable/)

    // A crash: the base model and the good adapters come back (before: every restart failed).
    const pool = runner.pools.get('tiny')
    const victim = pool?.current
    process.kill(victim?.process.pid as number, 'SIGKILL')
    const until = Date.now() + 15_000
    const back = () => pool?.state === 'ready' && pool.current !== undefined && pool.current !== victim
    while (!back() && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    expect(back()).toBe(true)
    expect((await post(`${runner.url}/v1/chat/completions`, chatBody('tiny'))).status).toBe(200)
    expect((await post(`${runner.url}/v1/chat/completions`, chatBody('tiny:finance'))).status).toBe(200)
    const metrics = await (await fetch(`${runner.url}/metrics`, { headers: auth })).text()
    expect(metrics).toContain('policybot_runner_adapters_dropped{model="tiny"} 1')
    // Removing it clears the report.
    expect(
      (await fetch(`${runner.url}/v1/adapters/tiny:vanishing`, { method: 'DELETE', headers: auth })).status,
    ).toBe(200)
    expect(pool?.dropped.size).toBe(0)
  })

  it('changes a scale and removes an adapter without starting a llama-server', async () => {
    const pool = runner.pools.get('tiny')
    const added = await fetch(`${runner.url}/v1/adapters?name=ops&base=tiny&department=IT`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: readFileSync(models.loraA),
    })
    expect(added.status).toBe(201)
    const generation = pool?.current?.id
    const text = async (model: string) =>
      chatText(await post(`${runner.url}/v1/chat/completions`, chatBody(model)))
    const base = await text('tiny')
    const full = await text('tiny:ops')
    expect(full).not.toBe(base)
    // Scale 0: the adapter changes nothing, and no new generation started for it.
    const patch = (body: object) =>
      fetch(`${runner.url}/v1/adapters/tiny:ops`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const zero = await patch({ scale: 0 })
    expect(zero.status).toBe(200)
    expect(await zero.json()).toMatchObject({ id: 'tiny:ops', scale: 0, department: 'IT', status: 'serving' })
    expect(await text('tiny:ops')).toBe(base)
    expect((await patch({ scale: 1 })).status).toBe(200)
    expect(await text('tiny:ops')).toBe(full)
    expect((await patch({ scale: 'loud' })).status).toBe(400)
    // Removed: 404 at once, still no new generation; the next one starts without it.
    expect(
      (await fetch(`${runner.url}/v1/adapters/tiny:ops`, { method: 'DELETE', headers: auth })).status,
    ).toBe(200)
    expect((await post(`${runner.url}/v1/chat/completions`, chatBody('tiny:ops'))).status).toBe(404)
    expect(pool?.current?.id).toBe(generation)
    expect(pool?.current?.adapters.map((a) => a.name)).toContain('ops')
    const next = await fetch(`${runner.url}/v1/adapters?name=ops2&base=tiny`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: readFileSync(models.loraB),
    })
    expect(next.status).toBe(201)
    expect(pool?.current?.adapters.map((a) => a.name)).not.toContain('ops')
  })

  it('makes one generation of adapter changes that arrive together', async () => {
    const pool = runner.pools.get('tiny')
    const before = pool?.current?.id ?? 0
    const names = ['q1', 'q2', 'q3', 'q4']
    const results = await Promise.all(
      names.map((name) =>
        fetch(`${runner.url}/v1/adapters?name=${name}&base=tiny`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/octet-stream' },
          body: readFileSync(models.loraB),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { generation: number } })),
      ),
    )
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201])
    // Four changes, at most two generations: the first, and one for all that came while it started.
    const started = (pool?.current?.id ?? 0) - before
    expect(started).toBeGreaterThanOrEqual(1)
    expect(started).toBeLessThanOrEqual(2)
    expect(new Set(results.map((r) => r.body.generation)).size).toBe(started)
    expect(pool?.current?.adapters.map((a) => a.name)).toEqual(expect.arrayContaining(names))
  })
})
