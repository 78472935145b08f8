import { readFileSync } from 'node:fs'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import type { Runner } from '../../gpu-runner/runner'
import { createOpenAIChat } from '../../workers/answering/chat-model'
import { main } from '../../workers/cli/main'
import { createOpenAIEmbedder } from '../../workers/knowledge/embed/openai'
import { renderMetrics } from '../../workers/metrics/routes'
import {
  chatBody,
  chatText,
  post,
  removeModels,
  startTestRunner,
  streamText,
  TEST_KEY,
  tinyModels,
} from '../helpers/runner'

/**
 * The runner's OpenAI-compatible API on a real llama-server (tiny random-weight model, two LoRA
 * adapters): what it returns must be what llama-server itself returns for the same request.
 */
describe('gpu-runner API', () => {
  let runner: Runner
  let upstream: string
  let client: OpenAI
  let models: Awaited<ReturnType<typeof tinyModels>> | undefined

  beforeAll(async () => {
    models = await tinyModels()
    runner = await startTestRunner({ models, adapters: ['lora-a', 'lora-b'] })
    upstream = runner.pools.get('tiny')?.current?.process.url as string
    client = new OpenAI({ baseURL: `${runner.url}/v1`, apiKey: TEST_KEY, maxRetries: 0 })
  }, 300_000)
  afterAll(async () => {
    await runner?.close()
    removeModels(models)
  })

  /** llama-server's own answer with an explicit lora list (ids: 0 = lora-a, 1 = lora-b). */
  const direct = async (a: number, b: number, extra: Record<string, unknown> = {}) =>
    chatText(
      await post(`${upstream}/v1/chat/completions`, {
        ...chatBody('tiny', extra),
        lora: [
          { id: 0, scale: a },
          { id: 1, scale: b },
        ],
      }),
    )

  it('answers a chat exactly as llama-server does, through the openai client', async () => {
    const r = await client.chat.completions.create({
      model: 'tiny',
      temperature: 0,
      max_tokens: 12,
      messages: [{ role: 'user', content: 'How many vacation days do I get?' }],
    })
    expect(r.choices[0]?.message.content).toBe(await direct(0, 0))
    expect(r.choices[0]?.message.content?.length).toBeGreaterThan(0)
    expect(r.usage?.completion_tokens).toBe(12)
  })

  it('gives a non-streamed chat the same shape and fields as llama-server', async () => {
    const mine = (await (
      await post(`${runner.url}/v1/chat/completions`, chatBody('tiny:lora-b'))
    ).json()) as Record<string, unknown>
    const theirs = (await (
      await post(`${upstream}/v1/chat/completions`, {
        ...chatBody('tiny'),
        lora: [
          { id: 0, scale: 0 },
          { id: 1, scale: 1 },
        ],
      })
    ).json()) as Record<string, unknown>
    expect(Object.keys(mine)).toEqual(Object.keys(theirs))
    expect(mine.choices).toEqual(theirs.choices)
    expect(mine).toMatchObject({ object: 'chat.completion', model: 'tiny', usage: { completion_tokens: 12 } })
  })

  it('streams the same text as the non-streamed answer, ending with [DONE]', async () => {
    const streamed = await streamText(
      await post(`${runner.url}/v1/chat/completions`, chatBody('tiny:lora-a', { stream: true })),
    )
    expect(streamed).toMatchObject({ done: true, error: undefined })
    expect(streamed.text).toBe(await direct(1, 0))
    // And through the openai client's stream reader.
    let text = ''
    const s = await client.chat.completions.create({ ...chatBody('tiny:lora-a'), stream: true } as never)
    for await (const chunk of s as unknown as AsyncIterable<{
      choices: Array<{ delta: { content?: string } }>
    }>) {
      text += chunk.choices[0]?.delta.content ?? ''
    }
    expect(text).toBe(streamed.text)
  })

  it('gives each adapter its own output and the base output without one, also when alternating', async () => {
    const base = await direct(0, 0)
    const a = await direct(1, 0)
    const b = await direct(0, 1)
    expect(new Set([base, a, b]).size).toBe(3)
    const expected: Record<string, string> = { tiny: base, 'tiny:lora-a': a, 'tiny:lora-b': b }
    // Same prompt, alternating adapters: a reused prompt cache would leak one adapter into the next.
    for (const model of [
      'tiny:lora-a',
      'tiny',
      'tiny:lora-b',
      'tiny',
      'tiny:lora-a',
      'tiny:lora-b',
      'tiny',
    ]) {
      expect(await chatText(await post(`${runner.url}/v1/chat/completions`, chatBody(model)))).toBe(
        expected[model],
      )
    }
    // The `adapter` extension field is the same as the "base:adapter" name.
    const viaField = await post(`${runner.url}/v1/chat/completions`, {
      ...chatBody('tiny'),
      adapter: 'lora-b',
    })
    expect(await chatText(viaField)).toBe(b)
  })

  it('serves the knowledge core’s own chat and embeddings clients, with a department adapter', async () => {
    const chat = createOpenAIChat({ baseURL: `${runner.url}/v1`, apiKey: TEST_KEY, model: 'tiny:lora-a' })
    const question = [{ role: 'user' as const, content: 'How many vacation days do I get?' }]
    const text = await chat.complete(question, { maxTokens: 12 })
    expect(text).toBe(await direct(1, 0))
    let streamed = ''
    for await (const delta of chat.stream?.(question, { maxTokens: 12 }) ?? []) streamed += delta
    expect(streamed).toBe(text)
    const embedder = await createOpenAIEmbedder({
      baseURL: `${runner.url}/v1`,
      apiKey: TEST_KEY,
      model: 'tiny',
    })
    expect(embedder.dimensions).toBe(64)
    const [v] = await embedder.embed(['parental leave'], 'query')
    expect(v).toHaveLength(64)
  })

  it('lists base models and base:adapter pairs', async () => {
    const list = await client.models.list()
    const ids = list.data.map((m) => m.id)
    expect(ids).toEqual(['tiny', 'tiny:lora-a', 'tiny:lora-b'])
    const r = await fetch(`${runner.url}/v1/adapters`, { headers: { authorization: `Bearer ${TEST_KEY}` } })
    const adapters = (await r.json()) as { data: Array<{ id: string; status: string; source: string }> }
    expect(adapters.data.map((a) => [a.id, a.status, a.source])).toEqual([
      ['tiny:lora-a', 'serving', 'config'],
      ['tiny:lora-b', 'serving', 'config'],
    ])
  })

  it('returns embeddings equal to llama-server’s own', async () => {
    const mine = await client.embeddings.create({ model: 'tiny', input: ['parental leave', 'expenses'] })
    const theirs = (await (
      await post(`${upstream}/v1/embeddings`, { input: ['parental leave', 'expenses'] })
    ).json()) as {
      data: Array<{ embedding: number[] }>
    }
    expect(mine.data.map((d) => d.embedding)).toEqual(theirs.data.map((d) => d.embedding))
    expect(mine.data[0]?.embedding).toHaveLength(64)
  })

  it('refuses unknown models and adapters with OpenAI-style 404s', async () => {
    await expect(client.chat.completions.create({ ...chatBody('nope') } as never)).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
      type: 'invalid_request_error',
    })
    await expect(
      client.chat.completions.create({ ...chatBody('tiny:legal') } as never),
    ).rejects.toMatchObject({
      status: 404,
      code: 'adapter_not_found',
      message: expect.stringContaining('"legal"'),
    })
  })

  it('refuses client-sent lora ids, missing messages, bad JSON and oversize bodies with 4xx', async () => {
    const lora = await post(`${runner.url}/v1/chat/completions`, {
      ...chatBody('tiny'),
      lora: [{ id: 0, scale: 1 }],
    })
    expect(lora.status).toBe(400)
    expect(((await lora.json()) as { error: { param: string } }).error.param).toBe('lora')
    const noMessages = await post(`${runner.url}/v1/chat/completions`, { model: 'tiny' })
    expect(noMessages.status).toBe(400)
    const bad = await post(`${runner.url}/v1/chat/completions`, '{"model": "tiny",')
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_json')
    const huge = await post(`${runner.url}/v1/chat/completions`, {
      ...chatBody('tiny'),
      messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024 + 1) }],
    })
    expect(huge.status).toBe(413)
    expect(((await huge.json()) as { error: { message: string } }).error.message).toContain('1048576 bytes')
    const embedWithAdapter = await post(`${runner.url}/v1/embeddings`, { model: 'tiny:lora-a', input: 'x' })
    expect(embedWithAdapter.status).toBe(400)
  })

  it('needs the bearer token everywhere but the probes', async () => {
    const none = await fetch(`${runner.url}/v1/models`)
    expect(none.status).toBe(401)
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key')
    const wrong = await fetch(`${runner.url}/v1/models`, {
      headers: { authorization: 'Bearer not-the-key-at-all' },
    })
    expect(wrong.status).toBe(401)
    const chat = await post(`${runner.url}/v1/chat/completions`, chatBody('tiny'), {
      authorization: 'Bearer x',
    })
    expect(chat.status).toBe(401)
    expect((await fetch(`${runner.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${runner.url}/healthz`)).status).toBe(200)
    const ready = await fetch(`${runner.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({
      ready: true,
      models: [{ name: 'tiny', state: 'ready', adapters: ['lora-a', 'lora-b'] }],
    })
  })

  it.each([true, false])(
    'stops the generation upstream when the client goes away (stream: %s)',
    async (stream) => {
      const ac = new AbortController()
      const pending = fetch(`${runner.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_KEY}` },
        body: JSON.stringify({ ...chatBody('tiny'), stream, max_tokens: 4000 }),
        signal: ac.signal,
      })
      if (stream) await (await pending).body?.getReader().read()
      else {
        pending.catch(() => {})
        await new Promise((r) => setTimeout(r, 150))
      }
      ac.abort()
      // llama-server frees the slot long before 480 tokens would have been generated.
      const busy = async () => {
        const slots = (await (await fetch(`${upstream}/slots`)).json()) as Array<{ is_processing: boolean }>
        return slots.some((s) => s.is_processing)
      }
      const until = Date.now() + 2000
      while ((await busy()) && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
      expect(await busy()).toBe(false)
      const metrics = await (await fetch(`${upstream}/metrics`)).text()
      const predicted = Number(/llamacpp:tokens_predicted_total (\d+)/.exec(metrics)?.[1])
      expect(predicted).toBeGreaterThan(0)
      expect(runner.pools.get('tiny')?.limiter.active).toBe(0)
    },
  )

  it('exports its own metrics and each llama-server’s, labelled by model and generation', async () => {
    // Anyone can send paths no route serves, unauthenticated: they are one label value, not one each.
    const junk = Array.from({ length: 60 }, (_, i) => `/probe-${i}-${'x'.repeat(200)}`)
    await Promise.all(junk.map((p) => fetch(`${runner.url}${p}`).then((r) => r.arrayBuffer())))
    // Requests with an adapter are counted under it: which adapter answered, from the runner's record.
    expect((await post(`${runner.url}/v1/chat/completions`, chatBody('tiny:lora-b'))).status).toBe(200)
    expect((await post(`${runner.url}/v1/chat/completions`, chatBody('tiny:no-such'))).status).toBe(404)
    const text = await (
      await fetch(`${runner.url}/metrics`, { headers: { authorization: `Bearer ${TEST_KEY}` } })
    ).text()
    expect(text).toMatch(
      /policybot_runner_requests_total\{route="\/v1\/chat\/completions",model="tiny",adapter="",status="200"\} \d+/,
    )
    expect(text).toMatch(
      /policybot_runner_requests_total\{route="\/v1\/chat\/completions",model="tiny",adapter="lora-b",status="200"\} [1-9]/,
    )
    expect(text).toMatch(
      /policybot_runner_requests_total\{route="\/v1\/chat\/completions",model="tiny",adapter="",status="404"\} [1-9]/,
    )
    expect(text).toMatch(/policybot_runner_tokens_total\{model="tiny",kind="predicted"\} [1-9]\d*/)
    expect(text).toMatch(/llamacpp:tokens_predicted_total\{model="tiny",generation="1"\} [1-9]\d*/)
    expect(text).toMatch(/policybot_runner_queue_depth\{model="tiny"\} 0/)
    expect(text).toContain('policybot_runner_time_to_first_byte_seconds_bucket')
    expect(text).not.toContain('probe-')
    const other =
      /policybot_runner_requests_total\{route="other",model="",adapter="",status="401"\} (\d+)/.exec(text)
    // An adapter nobody registered is no label value.
    expect(text).not.toContain('no-such')
    expect(Number(other?.[1])).toBeGreaterThanOrEqual(60)
    // Each family once, also for llama-server's own (the text format's grouping rule).
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '))
    expect(new Set(types).size).toBe(types.length)
  })

  it('names in its Grafana dashboard and alert rules only metrics the runner and the Worker export', async () => {
    const dir = new URL('../../gpu-runner/monitoring/', import.meta.url)
    const alerts = parseYaml(readFileSync(new URL('alerts.yaml', dir), 'utf8')) as {
      groups: Array<{ name: string; rules: Array<Record<string, unknown>> }>
    }
    const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', dir), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>
    }
    // Rules a Prometheus would load: an alert name, an expression, a severity and a summary each.
    const rules = alerts.groups.flatMap((g) => g.rules)
    expect(rules.length).toBeGreaterThanOrEqual(8)
    for (const r of rules) {
      expect(r).toMatchObject({ alert: expect.any(String), expr: expect.any(String) })
      expect((r.labels as { severity?: string }).severity).toMatch(/^(page|warn|info)$/)
      expect((r.annotations as { summary?: string }).summary).toBeTruthy()
    }
    const exprs = [
      ...rules.map((r) => r.expr as string),
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ]
    const named = new Set(exprs.flatMap((e) => e.match(/\b(?:policybot_[a-z_]+|llamacpp:[a-z_]+)/g) ?? []))
    const scrape = await (
      await fetch(`${runner.url}/metrics`, { headers: { authorization: `Bearer ${TEST_KEY}` } })
    ).text()
    const worker = renderMetrics([
      {
        name: 'hr-wiki',
        kind: 'confluence',
        pages: 1,
        failing: 0,
        lastSuccessAt: new Date().toISOString(),
        lagSeconds: 1,
        freshness: { runStartedAt: new Date().toISOString(), pages: 1, medianSeconds: 1, maxSeconds: 1 },
        lastError: null,
        lastRun: null,
      },
    ])
    // Every family the scrape declares (a counter not yet incremented has no sample line), with a
    // histogram's series, and every sample.
    const exported = new Set<string>()
    for (const line of `${scrape}\n${worker}`.split('\n')) {
      const type = /^# TYPE (\S+) (\S+)/.exec(line)
      if (type) {
        const [, name, kind] = type as unknown as [string, string, string]
        exported.add(name)
        if (kind === 'histogram') for (const x of ['_bucket', '_sum', '_count']) exported.add(`${name}${x}`)
        continue
      }
      const sample = /^([a-z_:]+)[{\s]/.exec(line)?.[1]
      if (sample) exported.add(sample)
    }
    const missing = [...named].filter((n) => !exported.has(n))
    expect(missing).toEqual([])
    expect(named.size).toBeGreaterThanOrEqual(12)
  })

  it('is listed by policybot runners with its models and adapters; a runner that is down makes it exit 1', async () => {
    const run = async (env: Record<string, string>, json = true) => {
      const lines: string[] = []
      const code = await main(['runners', ...(json ? ['--json'] : [])], env, {
        result: (t) => lines.push(t),
        progress: (t) => lines.push(t),
      })
      return { code, text: lines.join('\n') }
    }
    const one = await run({ RUNNER_URL: `${runner.url}/`, RUNNER_TOKEN: TEST_KEY })
    expect(one.code).toBe(0)
    expect(JSON.parse(one.text)).toEqual([
      {
        url: runner.url,
        state: 'ready',
        models: [
          expect.objectContaining({
            name: 'tiny',
            state: 'ready',
            adapters: [
              expect.objectContaining({ name: 'lora-a', status: 'serving' }),
              expect.objectContaining({ name: 'lora-b', status: 'serving' }),
            ],
            dropped: [],
          }),
        ],
      },
    ])
    // A fleet with one runner down: both listed, exit 1; without the token the adapters are not read.
    const fleet = await run({ RUNNERS: `${runner.url}, http://127.0.0.1:9`, RUNNER_TOKEN: TEST_KEY }, false)
    expect(fleet.code).toBe(1)
    expect(fleet.text).toContain(`${runner.url}: ready`)
    expect(fleet.text).toMatch(/tiny: ready, generation \d+, 0 in flight, 0 queued; lora-a, lora-b/)
    expect(fleet.text).toMatch(/http:\/\/127\.0\.0\.1:9: unreachable/)
    expect((await run({ RUNNER_URL: runner.url })).text).toContain('check RUNNER_TOKEN')
    expect((await run({})).code).toBe(2)
  })
})
