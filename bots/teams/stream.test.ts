import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBotConnector } from '../../test/helpers/bot-connector'
import type { AnswerReply } from '../reply'
import type { Place } from '../types'
import { type BotConnector, createBotConnector } from './connector'
import { teamsAnswerStream } from './stream'

/**
 * The Teams answer stream against the local Bot Connector, which enforces Teams' streaming rules:
 * the paths the workerd tests do not reach (a refused stream, an abandoned one).
 */
let server: Awaited<ReturnType<typeof startBotConnector>>
let connector: BotConnector
beforeAll(async () => {
  server = await startBotConnector('app', 'secret')
  connector = createBotConnector({ appId: 'app', appPassword: 'secret', loginUrl: server.url })
})
afterAll(() => server.close())

const place = (channel: string): Place => ({ platform: 'teams', team: 't', channel, threadTs: 'dm' })
const reply: AnswerReply = {
  questionId: 1,
  mode: 'generated',
  text: 'You get 25 days [1].',
  citations: [{ n: 1, title: 'Leave', headingPath: [], url: null, page: null, updated: '2026-01-01' }],
  language: 'en',
  actions: true,
}
const tick = () => new Promise((r) => setTimeout(r, 20))
const activities = (from: number) => server.requests.slice(from).filter((r) => r.path.startsWith('/v3/'))

describe('teamsAnswerStream', () => {
  it('ends an abandoned stream with a final message holding the text shown and the note', async () => {
    const from = server.requests.length
    const s = teamsAnswerStream(connector, async () => server.url, place('a:personal-1'), { intervalMs: 0 })
    s.update('You get')
    await tick()
    s.update('You get 25 days')
    await s.abandon('_The policy team will check this answer._')
    const sent = activities(from)
    expect(sent.map((r) => (r.body as { type: string }).type)).toEqual(['typing', 'typing', 'message'])
    expect(sent.map((r) => r.response?.status)).toEqual([201, 201, 201])
    const streamId = (sent[0]?.response?.json as { id: string } | undefined)?.id
    expect(sent[2]?.body).toEqual({
      type: 'message',
      text: 'You get 25 days\n\n_The policy team will check this answer._',
      textFormat: 'markdown',
      entities: [{ type: 'streaminfo', streamId, streamType: 'final' }],
    })
  })

  it('falls back to one message updated in place when Teams refuses the stream', async () => {
    const from = server.requests.length
    // Not a one-on-one conversation id: the Connector answers 403 ContentStreamNotAllowed.
    const s = teamsAnswerStream(connector, async () => server.url, place('19:group@thread.v2'), {
      intervalMs: 0,
    })
    s.update('You get')
    await tick()
    s.update('You get 25 days')
    await tick()
    const id = await s.finish(reply)
    const sent = activities(from)
    expect(sent.map((r) => `${r.method} ${r.response?.status}`)).toEqual([
      'POST 403',
      'POST 201',
      'PUT 200',
      'PUT 200',
    ])
    expect((sent[0]?.response?.json as { error?: { code?: string } } | undefined)?.error?.code).toBe(
      'ContentStreamNotAllowed',
    )
    expect(sent[1]?.body).toEqual({ type: 'message', text: 'You get', textFormat: 'markdown' })
    expect(sent[3]?.path).toMatch(new RegExp(`/activities/${id}$`))
    expect(JSON.stringify(sent[3]?.body)).toContain('application/vnd.microsoft.card.adaptive')
  })

  it('posts the answer card whole when nothing was streamed', async () => {
    const from = server.requests.length
    const s = teamsAnswerStream(connector, async () => server.url, place('a:personal-2'))
    expect(s.started).toBe(false)
    const id = await s.finish(reply)
    const sent = activities(from)
    expect(sent).toHaveLength(1)
    expect(id).toBeTruthy()
    expect(JSON.stringify(sent[0]?.body)).toContain('application/vnd.microsoft.card.adaptive')
  })

  it('ends quietly when the person stopped the stream (403 ContentStreamNotAllowed), without a retry', async () => {
    const from = server.requests.length
    const posted: string[] = []
    const s = teamsAnswerStream(connector, async () => server.url, place('a:personal-3'), {
      intervalMs: 0,
      onPosted: async (id) => {
        posted.push(id)
      },
    })
    s.update('You get')
    await tick()
    expect(posted).toHaveLength(1)
    await fetch(`${server.url}/__stop/${posted[0]}`, { method: 'POST' })
    s.update('You get 25 days')
    await tick()
    s.update('You get 25 days of leave')
    await tick()
    await expect(s.finish(reply)).resolves.toBe(posted[0])
    // One refused update, then nothing more: no final message, no second stream.
    const sent = activities(from)
    expect(sent.map((r) => r.response?.status)).toEqual([201, 403])
  })
})
