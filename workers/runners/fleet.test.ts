import { beforeEach, describe, expect, it } from 'vitest'
import { isPolicybotError } from '../errors'
import { createFleet, forgetRunnerStates } from './fleet'

/**
 * The router's decisions, against runners simulated at the HTTP level (their `/readyz` and
 * OpenAI-style chat responses); the real runners are in test/node/runner-fleet.test.ts.
 */
interface FakeRunner {
  models?: Array<{ name: string; state?: string; adapters?: string[]; inflight?: number; queued?: number }>
  /** What `/readyz` does: answer, hang, or fail to connect. */
  readyz?: 'ok' | 'hang' | 'down' | 'not-ours'
  /** What the chat request does. */
  chat?: 'ok' | '503' | '429' | 'down' | 'cut'
  retryAfter?: string
}

function fakeNetwork(runners: Record<string, FakeRunner>) {
  const log: string[] = []
  const sse = (parts: string[], cut = false) => {
    const enc = new TextEncoder()
    let i = 0
    // One event per read; a cut connection fails the read after the text.
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        const p = parts[i++]
        if (p !== undefined)
          controller.enqueue(
            enc.encode(
              `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })}\n\n`,
            ),
          )
        else if (cut) controller.error(new Error('socket hang up'))
        else {
          controller.enqueue(enc.encode('data: [DONE]\n\n'))
          controller.close()
        }
      },
    })
  }
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    const r = runners[url.origin] as FakeRunner
    if (url.pathname === '/readyz') {
      log.push(`readyz ${url.origin}`)
      if (r.readyz === 'down') throw new TypeError('fetch failed')
      if (r.readyz === 'hang')
        return new Promise((_, reject) =>
          init?.signal?.addEventListener('abort', () => reject(new Error('timed out'))),
        )
      if (r.readyz === 'not-ours') return new Response('not found', { status: 404 })
      return Response.json({
        ready: true,
        models: (r.models ?? []).map((m) => ({ state: 'ready', adapters: [], inflight: 0, queued: 0, ...m })),
      })
    }
    const body = JSON.parse(String(init?.body)) as { model: string; stream?: boolean }
    log.push(`chat ${url.origin} ${body.model}`)
    if (r.chat === 'down') throw new TypeError('fetch failed')
    if (r.chat === '503' || r.chat === '429')
      return Response.json(
        { error: { message: 'busy' } },
        { status: Number(r.chat), headers: r.retryAfter ? { 'retry-after': r.retryAfter } : {} },
      )
    if (!body.stream)
      return Response.json({
        id: 'x',
        object: 'chat.completion',
        created: 1,
        model: body.model,
        choices: [
          { index: 0, message: { role: 'assistant', content: `from ${url.origin}` }, finish_reason: 'stop' },
        ],
      })
    return new Response(sse([`from `, url.origin], r.chat === 'cut'), {
      headers: { 'content-type': 'text/event-stream' },
    })
  }) as typeof fetch
  return { fetchImpl, log }
}

const A = 'http://a.test'
const B = 'http://b.test'
const C = 'http://c.test'
const ASK = [{ role: 'user' as const, content: 'hi' }]

async function streamed(model: AsyncIterable<string>): Promise<string> {
  let text = ''
  for await (const t of model) text += t
  return text
}

describe('the fleet router', () => {
  beforeEach(() => forgetRunnerStates())

  it('sends an adapter only to runners that have it loaded, the least busy first', async () => {
    const net = fakeNetwork({
      [A]: { models: [{ name: 'q', adapters: ['hr'], queued: 5 }] },
      [B]: { models: [{ name: 'q', adapters: ['it'] }] },
      [C]: { models: [{ name: 'q', adapters: ['hr'], inflight: 1 }] },
    })
    const fleet = createFleet([{ url: A }, { url: B }, { url: C }], { fetch: net.fetchImpl })
    expect(await fleet.chat('q:hr').complete(ASK)).toBe(`from ${C}`)
    expect(await fleet.chat('q:it').complete(ASK)).toBe(`from ${B}`)
    // The base model: the idle one.
    expect(await fleet.chat('q').complete(ASK)).toBe(`from ${B}`)
    expect(await fleet.serves('q:hr')).toBe(true)
    expect(await fleet.serves('q:sales')).toBe(false)
    expect(net.log.filter((l) => l.startsWith('chat'))).toEqual([
      `chat ${C} q:hr`,
      `chat ${B} q:it`,
      `chat ${B} q`,
    ])
  })

  it('fails over before the first token, and passes over the runner that refused', async () => {
    const net = fakeNetwork({
      [A]: { models: [{ name: 'q' }], chat: 'down' },
      [B]: { models: [{ name: 'q', queued: 1 }], chat: '503' },
      [C]: { models: [{ name: 'q', queued: 2 }] },
    })
    const warnings: string[] = []
    const fleet = createFleet([{ url: A }, { url: B }, { url: C }], {
      fetch: net.fetchImpl,
      warn: (m) => warnings.push(m),
    })
    let servedBy = ''
    const text = await streamed(
      (fleet.chat('q').stream as NonNullable<ReturnType<typeof fleet.chat>['stream']>)(ASK, {
        served: (s) => {
          servedBy = s.runner ?? ''
        },
      }),
    )
    expect(text).toBe(`from ${C}`)
    expect(servedBy).toBe(C)
    expect(warnings).toHaveLength(2)
    // The next request goes straight to the one that answered.
    net.log.length = 0
    await fleet.chat('q').complete(ASK)
    expect(net.log.filter((l) => l.startsWith('chat'))).toEqual([`chat ${C} q`])
  })

  it('never sends a request again once text was streamed', async () => {
    const net = fakeNetwork({
      [A]: { models: [{ name: 'q' }], chat: 'cut' },
      [B]: { models: [{ name: 'q', queued: 3 }] },
    })
    const fleet = createFleet([{ url: A }, { url: B }], { fetch: net.fetchImpl })
    let text = ''
    let error: unknown
    try {
      for await (const t of (fleet.chat('q').stream as NonNullable<ReturnType<typeof fleet.chat>['stream']>)(
        ASK,
      ))
        text += t
    } catch (e) {
      error = e
    }
    expect(text).toBe(`from ${A}`)
    expect(isPolicybotError(error, 'CHAT_ERROR')).toBe(true)
    expect(net.log.filter((l) => l.startsWith('chat'))).toEqual([`chat ${A} q`])
  })

  it('waits out a lone runner’s short Retry-After and asks again', async () => {
    const runners = { [A]: { models: [{ name: 'q' }], chat: '503', retryAfter: '1' } as FakeRunner }
    const net = fakeNetwork(runners)
    const fleet = createFleet([{ url: A }], { fetch: net.fetchImpl })
    // It comes back within its Retry-After.
    setTimeout(() => {
      ;(runners[A] as FakeRunner).chat = 'ok'
    }, 500)
    const t0 = Date.now()
    expect(await fleet.chat('q').complete(ASK)).toBe(`from ${A}`)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900)
    expect(net.log.filter((l) => l.startsWith('chat'))).toHaveLength(2)
    // Refused on both tries: a retryable chat error (the job is retried later), after two asks.
    ;(runners[A] as FakeRunner).chat = '503'
    forgetRunnerStates()
    net.log.length = 0
    let error: unknown
    await fleet
      .chat('q')
      .complete(ASK)
      .catch((e) => {
        error = e
      })
    expect(isPolicybotError(error, 'CHAT_ERROR')).toBe(true)
    expect(net.log.filter((l) => l.startsWith('chat'))).toHaveLength(2)
  })

  it('does not hold requests up on a runner whose /readyz hangs, once it was read', async () => {
    let clock = 0
    const runners: Record<string, FakeRunner> = {
      [A]: { models: [{ name: 'q' }] },
      [B]: { models: [{ name: 'q', queued: 9 }] },
    }
    const net = fakeNetwork(runners)
    const fleet = createFleet([{ url: A }, { url: B }], { fetch: net.fetchImpl, now: () => clock })
    expect(await fleet.chat('q').complete(ASK)).toBe(`from ${A}`)
    ;(runners[A] as FakeRunner).readyz = 'hang'
    ;(runners[A] as FakeRunner).chat = 'down'
    clock += 10_000
    const t0 = Date.now()
    expect(await fleet.chat('q').complete(ASK)).toBe(`from ${B}`)
    expect(Date.now() - t0).toBeLessThan(1000)
  })

  it('tries an endpoint that is not a gpu-runner (no /readyz) for any model', async () => {
    const net = fakeNetwork({ [A]: { readyz: 'not-ours' } })
    const fleet = createFleet([{ url: A }], { fetch: net.fetchImpl })
    expect(await fleet.serves('anything:hr')).toBe(true)
    expect(await fleet.chat('anything:hr').complete(ASK)).toBe(`from ${A}`)
    expect((await fleet.health())[0]?.state).toBe('unknown')
  })
})
