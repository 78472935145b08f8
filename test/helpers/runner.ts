import { mkdtempSync, rmSync } from 'node:fs'
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
  /** Adapters loaded at start (names of `loraA`/`loraB`). */
  adapters?: Array<'lora-a' | 'lora-b'>
  model?: Record<string, unknown>
  server?: Record<string, unknown>
  stateDir?: string
  extraModels?: Array<Record<string, unknown>>
  apiKey?: string | null
}

/** The config object for the tiny model (`tiny`: 2 slots, 1024 tokens, CPU, embeddings on). */
export function testRunnerConfig(o: TestRunnerOptions): RunnerConfig {
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
    adapters: (o.adapters ?? []).map((name) => ({ name, base: 'tiny', path: paths[name] })),
  }
  const env = { RUNNER_PORT: '0', ...(o.apiKey === null ? {} : { RUNNER_API_KEY: o.apiKey ?? TEST_KEY }) }
  return parseRunnerConfig(JSON.stringify(file), env, o.models.dir)
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
