import { describe, expect, it } from 'vitest'
import type { AnswerReply } from '../reply'
import { type SlackApi, SlackApiError } from './api'
import { slackAnswerStream } from './stream'

/** A SlackApi that records calls (our own interface; the HTTP side is tested in workerd). */
function recorder(refuse: string[] = []) {
  const calls: { method: string; body: Record<string, unknown> }[] = []
  const api: SlackApi = {
    async call(method, body) {
      calls.push({ method, body })
      if (refuse.includes(method)) throw new SlackApiError(method, 'not_allowed', false)
      return { ok: true, ts: '111.222' }
    },
    download: async () => new Uint8Array(),
  }
  return { api, calls }
}

const tick = () => new Promise((r) => setTimeout(r, 0))
const place = { platform: 'slack' as const, team: 'T1', channel: 'C1', threadTs: '100.1' }
const reply = (text: string): AnswerReply => ({
  questionId: 9,
  mode: 'generated',
  text,
  citations: [{ n: 1, title: 'Leave', headingPath: [], url: null, page: null, updated: '2026-01-01' }],
  language: 'en',
  actions: true,
})

describe('slackAnswerStream', () => {
  it('starts, appends only what is new at most every interval, and stops with sources and actions', async () => {
    const { api, calls } = recorder()
    let t = 0
    const s = slackAnswerStream(api, place, 'U1', { intervalMs: 500, now: () => t })
    s.update('You get')
    await tick()
    t = 100
    s.update('You get 25') // within the interval: held back
    await tick()
    t = 700
    s.update('You get 25 days')
    await tick()
    const ts = await s.finish(reply('You get 25 days [1].'))
    expect(ts).toBe('111.222')
    expect(calls.map((c) => c.method)).toEqual(['chat.startStream', 'chat.appendStream', 'chat.stopStream'])
    expect(calls[0]?.body).toEqual({
      channel: 'C1',
      thread_ts: '100.1',
      markdown_text: 'You get',
      recipient_user_id: 'U1',
      recipient_team_id: 'T1',
    })
    expect(calls[1]?.body).toEqual({ channel: 'C1', ts: '111.222', markdown_text: ' 25 days' })
    expect(calls[2]?.body.markdown_text).toBe(' [1].')
    expect(JSON.stringify(calls[2]?.body.blocks)).toContain('[1] Leave (updated 2026-01-01)')
    expect(JSON.stringify(calls[2]?.body.blocks)).toContain('feedback_buttons')
  })

  it('replaces the message when the checks changed text already shown', async () => {
    const { api, calls } = recorder()
    const s = slackAnswerStream(api, place, 'U1', { intervalMs: 0, now: () => 0 })
    s.update('See [7] and [1]')
    await s.finish(reply('See and [1]'))
    expect(calls.map((c) => c.method)).toEqual(['chat.startStream', 'chat.stopStream', 'chat.update'])
    expect(JSON.stringify(calls[2]?.body.blocks)).toContain('See and [1]')
  })

  it('falls back to one message updated in place when streaming is refused', async () => {
    const { api, calls } = recorder(['chat.startStream'])
    let t = 0
    const s = slackAnswerStream(api, place, 'U1', { intervalMs: 500, now: () => t })
    s.update('You get')
    await tick()
    t = 600
    s.update('You get 25 days')
    await tick()
    await s.finish(reply('You get 25 days [1].'))
    expect(calls.map((c) => c.method)).toEqual([
      'chat.startStream',
      'chat.postMessage',
      'chat.update',
      'chat.update',
    ])
    expect(calls[1]?.body).toMatchObject({ channel: 'C1', thread_ts: '100.1', text: 'You get' })
    expect(calls[2]?.body).toEqual({ channel: 'C1', ts: '111.222', text: 'You get 25 days' })
    expect(JSON.stringify(calls[3]?.body.blocks)).toContain('[1] Leave')
  })

  it('makes mentions in the streamed text inert when the message is posted and updated instead', async () => {
    const { api, calls } = recorder(['chat.startStream'])
    const s = slackAnswerStream(api, place, 'U1', { intervalMs: 0, now: () => 0 })
    s.update('Ask <!channel>')
    await tick()
    s.update('Ask <!channel> or <@U123>')
    await tick()
    expect(calls.map((c) => [c.method, c.body.text])).toEqual([
      ['chat.startStream', undefined],
      ['chat.postMessage', 'Ask &lt;!channel&gt;'],
      ['chat.update', 'Ask &lt;!channel&gt; or &lt;@U123&gt;'],
    ])
  })

  it('posts the whole answer when no streamed text reached Slack, and records the message', async () => {
    // Slack failed every streamed send (startStream and its fallback), then recovered.
    const calls: { method: string; body: Record<string, unknown> }[] = []
    let down = true
    const api: SlackApi = {
      async call(method, body) {
        calls.push({ method, body })
        if (down) throw new SlackApiError(method, 'HTTP 500', true)
        return { ok: true, ts: '333.444' }
      },
      download: async () => new Uint8Array(),
    }
    const posted: string[] = []
    let t = 0
    const s = slackAnswerStream(api, place, 'U1', {
      intervalMs: 500,
      now: () => t,
      onPosted: async (ts) => {
        posted.push(ts)
      },
    })
    s.update('You get')
    await tick()
    t = 600
    s.update('You get 25 days')
    await tick()
    down = false
    const ts = await s.finish(reply('You get 25 days [1].'))
    expect(ts).toBe('333.444')
    expect(posted).toEqual(['333.444'])
    const last = calls.at(-1)
    expect(last?.method).toBe('chat.postMessage')
    expect(last?.body).toMatchObject({ channel: 'C1', thread_ts: '100.1', text: 'You get 25 days [1].' })
    expect(JSON.stringify(last?.body.blocks)).toContain('[1] Leave')
  })

  it('fails the answer (to be retried) when Slack cannot take it at all', async () => {
    const api: SlackApi = {
      call: async (method) => {
        throw new SlackApiError(method, 'HTTP 503', true)
      },
      download: async () => new Uint8Array(),
    }
    const s = slackAnswerStream(api, place, 'U1', { intervalMs: 0, now: () => 0 })
    s.update('You get')
    await expect(s.finish(reply('You get 25 days [1].'))).rejects.toMatchObject({ retryable: true })
  })

  it('records the first visible message as soon as it exists, and marks an abandoned stream', async () => {
    const { api, calls } = recorder()
    const posted: string[] = []
    const s = slackAnswerStream(api, place, 'U1', {
      intervalMs: 0,
      now: () => 0,
      onPosted: async (ts) => {
        posted.push(ts)
      },
    })
    s.update('Probably')
    await tick()
    expect(posted).toEqual(['111.222'])
    await s.abandon('_Asked the policy team._')
    expect(calls.at(-1)).toEqual({
      method: 'chat.stopStream',
      body: { channel: 'C1', ts: '111.222', markdown_text: '\n\n_Asked the policy team._' },
    })
    expect(posted).toEqual(['111.222'])
  })

  it('within the workspace budget only: a refused update is skipped and goes out with the next send', async () => {
    const { api, calls } = recorder()
    let t = 0
    const asked: string[] = []
    let appendsLeft = 0
    const s = slackAnswerStream(api, place, 'U1', {
      intervalMs: 500,
      now: () => t,
      admit: async (method) => {
        asked.push(method)
        return method !== 'chat.appendStream' || appendsLeft-- > 0
      },
    })
    s.update('You get')
    await tick()
    t = 600
    s.update('You get 25') // refused: nothing sent
    await tick()
    appendsLeft = 1
    t = 1200
    s.update('You get 25 days')
    await tick()
    await s.finish(reply('You get 25 days [1].'))
    expect(asked).toEqual(['chat.startStream', 'chat.appendStream', 'chat.appendStream'])
    expect(calls.map((c) => [c.method, c.body.markdown_text])).toEqual([
      ['chat.startStream', 'You get'],
      ['chat.appendStream', ' 25 days'],
      ['chat.stopStream', ' [1].'],
    ])
  })

  it('posts the answer whole when the budget refuses to start a stream', async () => {
    const { api, calls } = recorder()
    let t = 0
    const s = slackAnswerStream(api, place, 'U1', { intervalMs: 500, now: () => t, admit: async () => false })
    s.update('You get')
    await tick()
    t = 600
    s.update('You get 25 days')
    await tick()
    expect(s.started).toBe(true)
    await s.finish(reply('You get 25 days [1].'))
    expect(calls.map((c) => c.method)).toEqual(['chat.postMessage'])
    expect(String(calls[0]?.body.text)).toContain('You get 25 days [1].')
  })
})
