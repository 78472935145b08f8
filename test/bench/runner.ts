/**
 * `npm run bench:runner`: what the runner costs in front of llama-server. In one run, against
 * the same llama-server process (the runner's current generation, addressed directly for the
 * baseline), rounds alternate direct / through the runner so machine noise hits both alike:
 *
 * - streamed chat at 1 and 8 concurrent streams: generated tokens/s, time to first token and
 *   whole-request latency (p50/p99);
 * - non-streamed chat at concurrency 1: median latency (the "added ms" figure);
 * - adapter swaps under load: time from the upload to the adapter being served, and failed
 *   requests during the swaps (must be 0).
 *
 * The runner runs as its own process (the real `policybot-runner` bin), as in production.
 * Env: BENCH_MODEL (a GGUF; default the tiny random-weight model), BENCH_SHAPE=medium (a random
 * model about 140 MB, n_embd 512 × 8 layers, that generates at tens of tokens/s on a CPU: the
 * per-token time of a real model, where the runner's fixed cost per token shows at its true
 * size), BENCH_NGL (GPU layers, default
 * 0), BENCH_STREAMS (default "1,8"), BENCH_REQUESTS (per round and concurrency, default 64),
 * BENCH_ROUNDS (default 3), BENCH_TOKENS (max_tokens, default 64), BENCH_SWAPS (default 5).
 *
 * Then, through the runner: **mixed adapters** (at the highest concurrency, every request for
 * adapter a, against requests alternating a and b: llama-server batches only requests with the
 * same adapter list, so the mix costs throughput; BENCH_LORA_A/BENCH_LORA_B give a real model's
 * adapters), and **the fleet** (BENCH_FLEET, default "1,2,3": that many runner processes behind
 * the Worker's router, workers/runners/fleet.ts, BENCH_FLEET_STREAMS concurrent streams, default
 * 8: aggregate tokens/s and the ratio to one runner, rounds alternating so noise hits all alike).
 * For a GPU host: BENCH_MODEL=/models/qwen2.5-7b-q4_k_m.gguf BENCH_NGL=99 BENCH_STREAMS=1,8,32.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { ensureLlamaServer } from '../../gpu-runner/build/llama-server'
import { createFleet, type RunnerEndpoint } from '../../workers/runners/fleet'
import { removeModels, TEST_KEY, tinyModels } from '../helpers/runner'
import { vocabPath, writeTinyLora, writeTinyModel } from '../helpers/tiny-gguf'

const env = process.env
const STREAMS = (env.BENCH_STREAMS ?? '1,8').split(',').map(Number)
const REQUESTS = Number(env.BENCH_REQUESTS ?? 64)
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3)
const TOKENS = Number(env.BENCH_TOKENS ?? 64)
const SWAPS = Number(env.BENCH_SWAPS ?? 5)
const FLEET = (env.BENCH_FLEET ?? '1,2,3').split(',').filter(Boolean).map(Number)
const FLEET_STREAMS = Number(env.BENCH_FLEET_STREAMS ?? 8)
const auth = { authorization: `Bearer ${TEST_KEY}` }

const out = (x: unknown) => process.stdout.write(`${typeof x === 'string' ? x : JSON.stringify(x)}\n`)

// node:http on both paths alike. Streams get a connection each: llama-server closes the connection
// after a stream without saying so, so reusing one would race its close (gpu-runner/api/upstream.ts).
const fresh = new Agent({ keepAlive: false })
const reuse = new Agent({ keepAlive: true, timeout: 4000 })

/** POSTs JSON; calls `onData` per chunk; resolves at the end with the status. */
function postJson(url: string, body: unknown, agent: Agent, onData: (text: string) => void): Promise<number> {
  const text = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...auth },
      },
      (res) => {
        res.setEncoding('utf8')
        res.on('data', onData)
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(text)
  })
}

interface Sample {
  ttft: number
  total: number
  tokens: number
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN
}
const median = (xs: number[]) => pct(xs, 50)

/** One streamed chat; returns time to first content, total time and content chunks (= tokens). */
async function streamOnce(url: string, model: string, i: number): Promise<Sample> {
  const t0 = performance.now()
  let ttft = 0
  let tokens = 0
  let buf = ''
  let raw = ''
  const status = await postJson(
    `${url}/v1/chat/completions`,
    {
      model,
      stream: true,
      temperature: 0,
      max_tokens: TOKENS,
      messages: [{ role: 'user', content: `Question ${i}: how many vacation days after two years?` }],
    },
    fresh,
    (text) => {
      if (raw.length < 2000) raw += text
      buf += text
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      for (const line of lines) {
        if (line.startsWith('data: {"error"')) raw = `${line}`
        if (/"delta":\{"content":"/.test(line)) {
          if (tokens === 0) ttft = performance.now() - t0
          tokens++
        }
      }
    },
  )
  if (status !== 200 || raw.startsWith('data: {"error"')) throw new Error(`${status} ${raw.slice(0, 300)}`)
  return { ttft, total: performance.now() - t0, tokens }
}

async function nonStreamOnce(url: string, model: string, i: number): Promise<number> {
  const t0 = performance.now()
  let raw = ''
  const status = await postJson(
    `${url}/v1/chat/completions`,
    {
      model,
      temperature: 0,
      max_tokens: 8,
      messages: [{ role: 'user', content: `Question ${i}: is Friday a holiday?` }],
    },
    reuse,
    (text) => {
      raw += text
    },
  )
  if (status !== 200) throw new Error(`${status} ${raw.slice(0, 300)}`)
  return performance.now() - t0
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return Number.NaN
  }
}

/** `n` requests over `c` concurrent callers; wall time and samples. */
async function run<T>(c: number, n: number, one: (i: number) => Promise<T>) {
  let next = 0
  const samples: T[] = []
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < n) samples.push(await one(next++))
    }),
  )
  return { samples, wall: performance.now() - t0 }
}

async function main() {
  const bin = ensureLlamaServer()
  const models = await tinyModels()
  let modelPath = env.BENCH_MODEL ?? models.tiny
  if (!env.BENCH_MODEL && env.BENCH_SHAPE === 'medium') {
    modelPath = join(models.dir, 'medium.gguf')
    await writeTinyModel(modelPath, {
      vocabPath: vocabPath(),
      seed: 3,
      nEmbd: 512,
      nLayer: 8,
      nHead: 8,
      nHeadKv: 8,
      nFf: 1408,
      ctx: 8192,
      name: 'medium-random-llama',
    })
  }
  const parallel = Math.max(...STREAMS)
  // Two adapters of the bench model: the tiny model's, written for the medium one, or given.
  let loras: { a: string; b: string } | undefined
  if (modelPath === models.tiny) loras = { a: models.loraA, b: models.loraB }
  else if (!env.BENCH_MODEL) {
    loras = { a: join(models.dir, 'medium-a.gguf'), b: join(models.dir, 'medium-b.gguf') }
    await writeTinyLora(loras.a, { basePath: modelPath, seed: 1, name: 'medium-a' })
    await writeTinyLora(loras.b, { basePath: modelPath, seed: 2, name: 'medium-b' })
  } else if (env.BENCH_LORA_A && env.BENCH_LORA_B) loras = { a: env.BENCH_LORA_A, b: env.BENCH_LORA_B }
  const runnerConfig = (stateDir: string, slots: number) => ({
    llamaServer: { bin },
    stateDir,
    models: [
      {
        name: 'bench',
        path: modelPath,
        contextSize: slots * 512,
        parallel: slots,
        gpuLayers: Number(env.BENCH_NGL ?? 0),
        maxQueue: 1024,
        threads: Number(env.BENCH_THREADS ?? 1),
      },
    ],
    ...(loras
      ? {
          adapters: [
            { name: 'a', base: 'bench', path: loras.a },
            { name: 'b', base: 'bench', path: loras.b },
          ],
        }
      : {}),
  })
  const started = await startRunnerProcess(
    join(models.dir, 'bench-runner.json'),
    runnerConfig(join(models.dir, 'state'), parallel),
  )
  const child = started.child
  try {
    const runner = started.url
    const inst = (await (await fetch(`${runner}/v1/instances`, { headers: auth })).json()) as {
      data: Array<{ url: string; adapters: string[] }>
    }
    const direct = inst.data[0]?.url as string
    const info = await (await fetch(`${direct}/props`)).json()
    out(
      `model: ${env.BENCH_MODEL ?? (env.BENCH_SHAPE === 'medium' ? 'medium random-weight llama (n_embd 512, 8 layers)' : 'tiny random-weight llama (n_embd 64)')}; llama-server ${bin}; ${parallel} slots; ` +
        `${(info as { build_info?: string }).build_info ?? ''}`,
    )
    // Warm up both paths.
    await run(parallel, parallel * 2, (i) => streamOnce(direct, 'bench', i))
    await run(parallel, parallel * 2, (i) => streamOnce(runner, 'bench', i))

    const rows: string[] = []
    const cpuNotes: string[] = []
    for (const c of STREAMS) {
      const acc = { direct: [] as Sample[], runner: [] as Sample[], dWall: 0, rWall: 0, cpu: 0 }
      for (let round = 0; round < ROUNDS; round++) {
        const d = await run(c, REQUESTS, (i) => streamOnce(direct, 'bench', i))
        const cpu0 = cpuMs(child.pid)
        const r = await run(c, REQUESTS, (i) => streamOnce(runner, 'bench', i))
        acc.cpu += cpuMs(child.pid) - cpu0
        acc.direct.push(...d.samples)
        acc.runner.push(...r.samples)
        acc.dWall += d.wall
        acc.rWall += r.wall
      }
      const tps = (s: Sample[], wall: number) => s.reduce((n, x) => n + x.tokens, 0) / (wall / 1000)
      const dT = tps(acc.direct, acc.dWall)
      const rT = tps(acc.runner, acc.rWall)
      const line = (name: string, s: Sample[], t: number) =>
        `| ${c} | ${name.padEnd(6)} | ${t.toFixed(0).padStart(6)} | ${median(
          s.map((x) => x.tokens / ((x.total - x.ttft) / 1000 || 1)),
        )
          .toFixed(0)
          .padStart(6)} | ${median(s.map((x) => x.ttft))
          .toFixed(2)
          .padStart(6)} | ${pct(
          s.map((x) => x.ttft),
          99,
        )
          .toFixed(2)
          .padStart(6)} | ${median(s.map((x) => x.total))
          .toFixed(2)
          .padStart(7)} | ${pct(
          s.map((x) => x.total),
          99,
        )
          .toFixed(2)
          .padStart(7)} |`
      rows.push(line('direct', acc.direct, dT), line('runner', acc.runner, rT))
      const runnerTokens = acc.runner.reduce((n, x) => n + x.tokens, 0)
      cpuNotes.push(
        `${c} stream(s): the runner process used ${((acc.cpu / runnerTokens) * 1000).toFixed(0)} µs of CPU per streamed token`,
      )
      rows.push(
        `|   | cost   | ${(((dT - rT) / dT) * 100).toFixed(1).padStart(5)}% |        | ${(median(acc.runner.map((x) => x.ttft)) - median(acc.direct.map((x) => x.ttft))).toFixed(2).padStart(6)} |        | ${(median(acc.runner.map((x) => x.total)) - median(acc.direct.map((x) => x.total))).toFixed(2).padStart(7)} |         |`,
      )
    }
    out(`\nstreamed chat, ${TOKENS} tokens, ${REQUESTS} requests × ${ROUNDS} rounds per path (ms)`)
    out(
      '| streams | path | tok/s (all) | tok/s per stream p50 | TTFT p50 | TTFT p99 | total p50 | total p99 |',
    )
    out('|---|---|---|---|---|---|---|---|')
    for (const r of rows) out(r)
    for (const n of cpuNotes) out(n)

    // Non-streamed, one at a time: the added median latency.
    const ns = { direct: [] as number[], runner: [] as number[] }
    for (let round = 0; round < ROUNDS; round++) {
      ns.direct.push(...(await run(1, REQUESTS, (i) => nonStreamOnce(direct, 'bench', i))).samples)
      ns.runner.push(...(await run(1, REQUESTS, (i) => nonStreamOnce(runner, 'bench', i))).samples)
    }
    out(
      `\nnon-streamed chat (8 tokens), one at a time: direct p50 ${median(ns.direct).toFixed(2)} ms, ` +
        `runner p50 ${median(ns.runner).toFixed(2)} ms, added ${(median(ns.runner) - median(ns.direct)).toFixed(2)} ms ` +
        `(p99 ${pct(ns.direct, 99).toFixed(2)} / ${pct(ns.runner, 99).toFixed(2)})`,
    )

    if (loras) {
      // Mixed adapters at the highest concurrency: one adapter for all, against two alternating.
      const c = parallel
      const acc = { same: [] as Sample[], mixed: [] as Sample[], sWall: 0, mWall: 0 }
      for (let round = 0; round < ROUNDS; round++) {
        const s1 = await run(c, REQUESTS, (i) => streamOnce(runner, 'bench:a', i))
        const m1 = await run(c, REQUESTS, (i) => streamOnce(runner, i % 2 ? 'bench:b' : 'bench:a', i))
        acc.same.push(...s1.samples)
        acc.mixed.push(...m1.samples)
        acc.sWall += s1.wall
        acc.mWall += m1.wall
      }
      const tps = (xs: Sample[], wall: number) => xs.reduce((n, x) => n + x.tokens, 0) / (wall / 1000)
      const same = tps(acc.same, acc.sWall)
      const mixed = tps(acc.mixed, acc.mWall)
      out(
        `\nadapters at ${c} streams: one adapter ${same.toFixed(0)} tok/s (TTFT p50 ${median(acc.same.map((x) => x.ttft)).toFixed(1)} ms), ` +
          `two alternating ${mixed.toFixed(0)} tok/s (TTFT p50 ${median(acc.mixed.map((x) => x.ttft)).toFixed(1)} ms): ` +
          `the mix keeps ${((mixed / same) * 100).toFixed(0)}% of the throughput`,
      )
    }

    if (loras && SWAPS > 0) {
      // Swaps under load: 4 callers stream through the runner (base and adapter a) the whole time.
      let running = true
      let ok = 0
      const failures: string[] = []
      const load = Array.from({ length: 4 }, async (_, w) => {
        for (let i = 0; running; i++) {
          try {
            const s = await streamOnce(runner, w % 2 ? 'bench:a' : 'bench', i)
            if (s.tokens > 0) ok++
            else failures.push('empty')
          } catch (e) {
            failures.push((e as Error).message.slice(0, 200))
          }
        }
      })
      const swapMs: number[] = []
      const lora = readFileSync(loras.b)
      for (let s = 0; s < SWAPS; s++) {
        const t0 = performance.now()
        const r = await fetch(`${runner}/v1/adapters?name=c&base=bench&replace=true`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/octet-stream' },
          body: lora,
        })
        if (r.status >= 300) throw new Error(`swap: ${r.status} ${await r.text()}`)
        const served = await fetch(`${runner}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth },
          body: JSON.stringify({
            model: 'bench:c',
            max_tokens: 1,
            messages: [{ role: 'user', content: 'hi' }],
          }),
        })
        if (served.status !== 200) throw new Error(`bench:c after swap: ${served.status}`)
        swapMs.push(performance.now() - t0)
      }
      running = false
      await Promise.all(load)
      out(
        `\nadapter swaps under load (4 streaming callers; adapter file ${(lora.length / 2 ** 20).toFixed(1)} MB): ${SWAPS} swaps, upload → served p50 ${median(swapMs).toFixed(0)} ms, ` +
          `max ${Math.max(...swapMs).toFixed(0)} ms; requests during swaps: ${ok} ok, ${failures.length} failed`,
      )
      out(`each swap (ms): ${swapMs.map((x) => x.toFixed(0)).join(', ')}`)
      if (failures.length) out(failures.slice(0, 5))
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
  }
  try {
    if (FLEET.length)
      await fleetBench(Math.max(...FLEET), (i) => runnerConfig(join(models.dir, `fleet-${i}`), 2), models.dir)
  } finally {
    removeModels(models)
  }
}

/** Starts `policybot-runner` with a config; resolves with its URL once it listens. */
async function startRunnerProcess(
  path: string,
  config: unknown,
): Promise<{ child: ChildProcess; url: string }> {
  writeFileSync(path, JSON.stringify(config))
  const child: ChildProcess = spawn(process.execPath, ['bin/policybot-runner.mjs', '--config', path], {
    env: { ...env, RUNNER_PORT: '0', RUNNER_API_KEY: TEST_KEY, RUNNER_LOG: env.BENCH_RUNNER_LOG ?? 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(c.toString())
      if (m) resolve(m[0])
    })
    child.once('exit', (code) => reject(new Error(`runner exited ${code}`)))
  })
  return { child, url }
}

/**
 * The fleet: up to `max` runner processes (2 slots each) behind the Worker's router; for each
 * size in BENCH_FLEET, FLEET_STREAMS concurrent streams of the base model, rounds alternating
 * between sizes. Aggregate tokens/s and its ratio to one runner, time to first token.
 */
async function fleetBench(max: number, config: (i: number) => unknown, dir: string) {
  const procs = await Promise.all(
    Array.from({ length: max }, (_, i) => startRunnerProcess(join(dir, `fleet-${i}.json`), config(i))),
  )
  try {
    const endpoints: RunnerEndpoint[] = procs.map((p) => ({ url: p.url, token: TEST_KEY }))
    const ask = [{ role: 'user' as const, content: 'How many vacation days after two years?' }]
    const once = async (fleet: ReturnType<typeof createFleet>): Promise<Sample> => {
      const t0 = performance.now()
      let ttft = 0
      let tokens = 0
      const stream = fleet.chat('bench').stream as NonNullable<ReturnType<typeof fleet.chat>['stream']>
      for await (const _ of stream(ask, { maxTokens: TOKENS })) {
        if (tokens === 0) ttft = performance.now() - t0
        tokens++
      }
      return { ttft, total: performance.now() - t0, tokens }
    }
    const fleets = new Map(FLEET.map((n) => [n, createFleet(endpoints.slice(0, n), { statusTtlMs: 500 })]))
    for (const f of fleets.values()) await run(FLEET_STREAMS, FLEET_STREAMS * 2, () => once(f))
    const acc = new Map(FLEET.map((n) => [n, { samples: [] as Sample[], wall: 0 }]))
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of FLEET) {
        const r = await run(FLEET_STREAMS, REQUESTS, () =>
          once(fleets.get(n) as ReturnType<typeof createFleet>),
        )
        const a = acc.get(n) as { samples: Sample[]; wall: number }
        a.samples.push(...r.samples)
        a.wall += r.wall
      }
    }
    out(
      `\nthe fleet (Worker router → N runner processes, 2 slots each), ${FLEET_STREAMS} concurrent streams, ${TOKENS} tokens, ${REQUESTS} requests × ${ROUNDS} rounds`,
    )
    out('| runners | tok/s | × one runner | TTFT p50 (ms) | total p50 (ms) |')
    out('|---|---|---|---|---|')
    const tps = (a: { samples: Sample[]; wall: number }) =>
      a.samples.reduce((n, x) => n + x.tokens, 0) / (a.wall / 1000)
    const one = tps(acc.get(FLEET[0] as number) as { samples: Sample[]; wall: number })
    for (const n of FLEET) {
      const a = acc.get(n) as { samples: Sample[]; wall: number }
      out(
        `| ${n} | ${tps(a).toFixed(0)} | ${(tps(a) / one).toFixed(2)} | ${median(a.samples.map((x) => x.ttft)).toFixed(1)} | ${median(a.samples.map((x) => x.total)).toFixed(1)} |`,
      )
    }
    out(
      `(this machine has ${(await import('node:os')).availableParallelism()} CPU cores; each llama-server uses BENCH_THREADS=${env.BENCH_THREADS ?? 1})`,
    )
  } finally {
    for (const p of procs) p.child.kill('SIGTERM')
    await Promise.all(procs.map((p) => new Promise((r) => p.child.once('exit', r))))
  }
}

await main()
