import { describe, expect, it } from 'vitest'
import appMention from '../fixtures/slack/app_mention.json'
import assistantStarted from '../fixtures/slack/assistant_thread_started.json'
import messageBot from '../fixtures/slack/message_bot.json'
import messageChanged from '../fixtures/slack/message_changed.json'
import messageTwin from '../fixtures/slack/message_channel_mention.json'
import messageIm from '../fixtures/slack/message_im.json'
import threadReply from '../fixtures/slack/message_thread_reply.json'
import urlVerification from '../fixtures/slack/url_verification.json'
import {
  afterJobs,
  blockText,
  drainJobs,
  envWith,
  freshTs,
  inThread,
  postEvent,
  postSigned,
  slackCalls,
  withFields,
} from './slack'

const CHANNEL = 'C0GENERAL1'

describe('POST /slack/events', () => {
  it('answers the url_verification challenge', async () => {
    const res = await postEvent(urlVerification)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ challenge: urlVerification.challenge })
  })

  it('refuses a bad signature and a stale timestamp with 401, and never queues them', async () => {
    const body = JSON.stringify(withFields(appMention, { 'event.ts': freshTs() }))
    const wrong = await postSigned('/slack/events', body, { secret: 'not-the-secret' })
    expect(wrong.status).toBe(401)
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toContain('bad_signature')
    const stale = await postSigned('/slack/events', body, {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    })
    expect(stale.status).toBe(401)
    expect(((await stale.json()) as { error: { message: string } }).error.message).toContain(
      'stale_timestamp',
    )
  })

  it('answers malformed bodies with 400 and a message', async () => {
    const res = await postSigned('/slack/events', '{"type": "event_callback", "event": ')
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not JSON/)
    const noEvent = await postSigned(
      '/slack/events',
      JSON.stringify({ type: 'event_callback', team_id: 'T1' }),
    )
    expect(noEvent.status).toBe(400)
  })

  it('acknowledges valid but unhandled events (edits, bot posts) with 200 and ignores them', async () => {
    for (const payload of [messageChanged, messageBot]) {
      const res = await postEvent(payload)
      expect(res.status).toBe(200)
      expect(((await res.json()) as { ignored?: string }).ignored).toBeTruthy()
    }
  })

  it('answers an @mention in its thread, with numbered sources, feedback and "Ask a human"', async () => {
    const ts = freshTs()
    const res = await postEvent(
      withFields(appMention, { 'event.ts': ts, 'event.event_ts': ts, event_id: `Ev${ts}` }),
    )
    expect(res.status).toBe(200)
    const [post] = await afterJobs((calls) => inThread(calls, CHANNEL, ts))
    expect(post?.headers.authorization).toBe('Bearer xoxb-test-token')
    const blocks = blockText(post?.body ?? {})
    expect(blocks).toContain('25 days')
    expect(blocks).toMatch(/\[1\] Annual leave › [^"]*\(updated 2026-03-14\)/)
    expect(blocks).toContain('feedback_buttons')
    expect(blocks).toContain('answer_ask_human')
  })

  it('answers one post once, however often Slack delivers it (retries and the message twin)', async () => {
    const ts = freshTs()
    const mention = withFields(appMention, { 'event.ts': ts, 'event.event_ts': ts, event_id: `EvM${ts}` })
    const twin = withFields(messageTwin, { 'event.ts': ts, 'event.event_ts': ts, event_id: `EvT${ts}` })
    const deliveries = await Promise.all([
      postEvent(mention),
      postEvent(twin),
      postEvent(mention, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
      postEvent(mention, { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' }),
      postEvent(mention, { 'x-slack-retry-num': '3', 'x-slack-retry-reason': 'http_error' }),
    ])
    expect(deliveries.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    const bodies = (await Promise.all(deliveries.map((r) => r.json()))) as Record<string, boolean>[]
    expect(bodies.filter((b) => b.accepted)).toHaveLength(1)
    expect(bodies.filter((b) => b.duplicate)).toHaveLength(4)
    expect((await drainJobs()).delivered).toBe(1)
    expect(inThread(await slackCalls(), CHANNEL, ts)).toHaveLength(1)
  })

  it('answers a reply in its thread without a new mention, as a follow-up', async () => {
    const ts = freshTs()
    await postEvent(withFields(appMention, { 'event.ts': ts, 'event.event_ts': ts, event_id: `Ev${ts}` }))
    await afterJobs((calls) => inThread(calls, CHANNEL, ts))
    const replyTs = freshTs()
    const res = await postEvent(
      withFields(threadReply, {
        'event.ts': replyTs,
        'event.event_ts': replyTs,
        'event.thread_ts': ts,
        'event.text': 'and from the third year?',
        event_id: `Ev${replyTs}`,
      }),
    )
    expect(((await res.json()) as { accepted?: boolean }).accepted).toBe(true)
    const posts = await afterJobs((calls) => {
      const p = inThread(calls, CHANNEL, ts)
      return p.length >= 2 ? p : undefined
    })
    expect(blockText(posts[1]?.body ?? {})).toContain('25 days')
  })

  it('ignores replies in threads the bot is not part of', async () => {
    const replyTs = freshTs()
    const res = await postEvent(
      withFields(threadReply, {
        'event.ts': replyTs,
        'event.thread_ts': freshTs(),
        event_id: `Ev${replyTs}`,
      }),
    )
    expect(await res.json()).toEqual({ ok: true, ignored: true })
  })

  it('answers a DM; in the assistant pane it shows a status first, and greets with suggested prompts', async () => {
    const dm = freshTs()
    await postEvent(
      withFields(messageIm, {
        'event.ts': dm,
        'event.text': 'how much annual leave do I get?',
        event_id: `Ev${dm}`,
      }),
    )
    const [answer] = await afterJobs((calls) => inThread(calls, 'D0ASKER001', dm))
    expect(blockText(answer?.body ?? {})).toContain('Annual leave')

    const thread = freshTs()
    await postEvent(
      withFields(assistantStarted, { 'event.assistant_thread.thread_ts': thread, event_id: `EvA${thread}` }),
    )
    const asked = freshTs()
    await postEvent(
      withFields(messageIm, {
        'event.ts': asked,
        'event.thread_ts': thread,
        'event.text': 'how much annual leave do I get?',
        event_id: `Ev${asked}`,
      }),
    )
    const calls = await afterJobs((c) => c)
    const prompts = calls.find(
      (c) => c.method === 'assistant.threads.setSuggestedPrompts' && c.body.thread_ts === thread,
    )
    expect(prompts?.body.channel_id).toBe('D0ASKER001')
    expect(prompts?.body.prompts).toEqual(
      expect.arrayContaining([expect.objectContaining({ title: 'Vacation days' })]),
    )
    const status = calls.findIndex(
      (c) => c.method === 'assistant.threads.setStatus' && c.body.thread_ts === thread,
    )
    const reply = calls.findIndex((c) => c.method === 'chat.postMessage' && c.body.thread_ts === thread)
    expect(status).toBeGreaterThanOrEqual(0)
    expect(reply).toBeGreaterThan(status)
  })

  it('answers 503 and forgets the post when the queue refuses, so the retry of Slack is accepted', async () => {
    const ts = freshTs()
    const body = JSON.stringify(withFields(appMention, { 'event.ts': ts, event_id: `Ev${ts}` }))
    const down = {
      ...envWith({}),
      JOBS: {
        send: async () => {
          throw new Error('queue unavailable')
        },
      },
    }
    const refused = await postSigned('/slack/events', body, { bindings: down as never })
    expect(refused.status).toBe(503)
    const retried = await postSigned('/slack/events', body, { headers: { 'x-slack-retry-num': '1' } })
    expect(await retried.json()).toEqual({ ok: true, accepted: true })
    const [answer] = await afterJobs((calls) => inThread(calls, CHANNEL, ts))
    expect(blockText(answer?.body ?? {})).toContain('25 days')
  })
})
