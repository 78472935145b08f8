import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureLlamaServer } from '../../gpu-runner/build/llama-server'
import { parseRunnerConfig, type RunnerConfig } from '../../gpu-runner/config'
import { silentLogger } from '../../gpu-runner/log'
import { type Runner, startRunner } from '../../gpu-runner/runner'
import { makeTinyModels, type TinyModels, vocabPath } from './tiny-gguf'

/**
 * The real runner on the real llama-server (the cached CPU build) with the tiny random-weight
 * model and its two adapters, generated into a temporary folder per test file.
 */
export const TEST_KEY = 'test-runner-key-0123456789'

export async function tinyModels(): Promise<TinyModels & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-runner-'))
  return { dir, ...(await makeTinyModels(dir, vocabPath())) }
}

/** Deletes what `tinyModels` wrote (about 15 MB): call it in `afterAll`. */
export function removeModels(models: { dir: string } | undefined): void {
  if (models) rmSync(models.dir, { recursive: true, force: true })
}

export interface TestRunnerOptions {
  models: TinyModels & { dir: string }
  /**
   * Adapters loaded at start: `loraA`/`loraB` under their own names, or under another name (a
   * department's adapter, `{ name: 'hr', file: 'lora-a' }`).
   */
  adapters?: Array<'lora-a' | 'lora-b' | { name: string; file: 'lora-a' | 'lora-b'; department?: string }>
  model?: Record<string, unknown>
  server?: Record<string, unknown>
  stateDir?: string
  extraModels?: Array<Record<string, unknown>>
  apiKey?: string | null
}

/** The config object for the tiny model (`tiny`: 2 slots, 1024 tokens, CPU, embeddings on). */
export function testRunnerConfig(o: TestRunnerOptions): RunnerConfig {
  const { file, env } = testRunnerFile(o)
  return parseRunnerConfig(JSON.stringify(file), env, o.models.dir)
}

/** The runner's config file and environment, as `testRunnerConfig` parses them. */
function testRunnerFile(o: TestRunnerOptions) {
  const paths = { 'lora-a': o.models.loraA, 'lora-b': o.models.loraB }
  const file = {
    server: { requestTimeoutMs: 30_000, ...o.server },
    llamaServer: { bin: ensureLlamaServer(), stopGraceMs: 3000 },
    stateDir: o.stateDir ?? mkdtempSync(join(o.models.dir, 'state-')),
    models: [
      {
        name: 'tiny',
        path: o.models.tiny,
        contextSize: 8192,
        parallel: 2,
        gpuLayers: 0,
        threads: 1,
        embeddings: true,
        ...o.model,
      },
      ...(o.extraModels ?? []),
    ],
    adapters: (o.adapters ?? []).map((a) =>
      typeof a === 'string'
        ? { name: a, base: 'tiny', path: paths[a] }
        : {
            name: a.name,
            base: 'tiny',
            path: paths[a.file],
            ...(a.department ? { department: a.department } : {}),
          },
    ),
  }
  const env = { RUNNER_PORT: '0', ...(o.apiKey === null ? {} : { RUNNER_API_KEY: o.apiKey ?? TEST_KEY }) }
  return { file, env }
}

/** A runner in its own process (`policybot-runner`), to be killed as a host dies. */
export interface RunnerProcess {
  url: string
  pid: number
  /** SIGKILL to the runner and its llama-servers at once: the host is gone. */
  kill(): Promise<void>
  /** SIGTERM (a clean stop), waiting for it to end. */
  stop(): Promise<void>
}

export async function spawnTestRunner(o: TestRunnerOptions): Promise<RunnerProcess> {
  const { file, env } = testRunnerFile(o)
  const path = join(o.models.dir, `runner-${process.pid}-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(path, JSON.stringify(file))
  const child = spawn(process.execPath, ['bin/policybot-runner.mjs', '--config', path], {
    env: { ...process.env, ...env, RUNNER_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString('utf8')
      const line = out.split('\n')[0]
      if (out.includes('\n') && line) resolve(line.trim())
    })
    child.once('exit', (code) => reject(new Error(`the runner exited (${code}) before it listened`)))
  })
  const llamaPids = async () => {
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { models: Array<{ pid: number | null }> }
    return ready.models.map((m) => m.pid).filter((p): p is number => typeof p === 'number')
  }
  return {
    url,
    pid: child.pid as number,
    async kill() {
      const pids = await llamaPids().catch(() => [])
      child.kill('SIGKILL')
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL')
        } catch {}
      }
      await exited
    },
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

export function startTestRunner(o: TestRunnerOptions): Promise<Runner> {
  return startRunner(testRunnerConfig(o), { log: silentLogger })
}

/** A chat request body: greedy, short (random weights never stop on their own). */
export function chatBody(model: string, extra: Record<string, unknown> = {}) {
  return {
    model,
    temperature: 0,
    max_tokens: 12,
    messages: [{ role: 'user', content: 'How many vacation days do I get?' }],
    ...extra,
  }
}

/** POST JSON to the runner (or a llama-server) with the test key. */
export function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** The assistant text of a non-streamed chat completion. */
export async function chatText(r: Response): Promise<string> {
  const json = (await r.json()) as { choices: Array<{ message: { content: string } }> }
  return json.choices[0]?.message.content ?? ''
}

/** Concatenated content deltas of an SSE chat stream, and any error event. */
export async function streamText(r: Response): Promise<{ text: string; error?: unknown; done: boolean }> {
  const raw = await r.text()
  let text = ''
  let error: unknown
  let done = false
  for (const line of raw.split('\n')) {
    if (!line.startsWith('data: ')) continue
    const data = line.slice(6)
    if (data === '[DONE]') {
      done = true
      continue
    }
    const json = JSON.parse(data) as {
      error?: unknown
      choices?: Array<{ delta?: { content?: string | null } }>
    }
    if (json.error) error = json.error
    text += json.choices?.[0]?.delta?.content ?? ''
  }
  return { text, error, done }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Callers that keep asking `url` (each alternating between streaming and not, over `models`) until
 * stopped; the stop resolves to the answers that came whole and every failure, described.
 */
export function keepAsking(url: string, workers: number, models: string[]) {
  let running = true
  const failures: string[] = []
  let ok = 0
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      const model = models[(w + i) % models.length] as string
      const stream = (w + i) % 2 === 0
      try {
        const r = await post(`${url}/v1/chat/completions`, chatBody(model, { stream, max_tokens: 24 }))
        if (r.status !== 200) failures.push(`${model}: ${r.status} ${await r.text()}`)
        else if (stream) {
          const s = await streamText(r)
          if (s.error || !s.done) failures.push(`${model}: stream ${JSON.stringify(s.error)}`)
          else ok++
        } else if ((await chatText(r)).length === 0) failures.push(`${model}: empty`)
        else ok++
      } catch (e) {
        failures.push(`${model}: ${(e as Error).message}`)
      }
    }
  })
  return {
    async stop() {
      running = false
      await Promise.all(loops)
      return { ok, failures }
    },
  }
}
