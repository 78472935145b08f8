import { beforeEach, describe, expect, inject, it } from 'vitest'
import { signDingTalk } from '../../bots/dingtalk/verify'
import type { Env } from '../../workers/env'
import picture from '../fixtures/dingtalk/picture_1on1.json'
import oneOnOne from '../fixtures/dingtalk/text_1on1.json'
import group from '../fixtures/dingtalk/text_group.json'
import approveClick from '../fixtures/slack/block_actions_approve.json'
import type { DingTalkCall } from '../helpers/dingtalk-api'
import {
  blockText,
  drainJobs,
  envWith,
  postInteraction,
  sentJobs,
  slackCalls,
  withFields,
  workerFetch,
} from './slack'

/**
 * DingTalk robot callbacks (HTTP mode) on the Worker in workerd, against a local DingTalk that
 * records what the Worker sent: the signature check, de-duplication on msgId, answers through the
 * session webhook, and the robot OpenAPI (token, batchSend, groupMessages) once it expired.
 */
const SECRET = 'dingtalk-app-secret'
const api = inject('dingtalkUrl')
const bindings: Env = envWith({
  DINGTALK_APP_KEY: 'dingappkey',
  DINGTALK_APP_SECRET: SECRET,
  DINGTALK_API_URL: api,
  DINGTALK_SESSION_ORIGIN: api,
})

let n = 0
/** A fixture with a fresh msgId, and a session webhook on the local DingTalk valid for `validMs`. */
function message<T extends Record<string, unknown>>(
  fixture: T,
  over: Record<string, unknown> = {},
  validMs = 90 * 60_000,
) {
  n++
  return {
    ...fixture,
    msgId: `msg-${Date.now()}-${n}`,
    sessionWebhook: `${api}/robot/sendBySession?session=session-${n}`,
    sessionWebhookExpiredTime: Date.now() + validMs,
    ...over,
  }
}

async function deliver(body: unknown, headers?: Record<string, string>) {
  const timestamp = String(Date.now())
  return workerFetch(
    'https://bot.example.com/dingtalk/events',
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(headers ?? { timestamp, sign: await signDingTalk(SECRET, timestamp) }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    bindings,
  )
}

async function callsSince(before: number): Promise<DingTalkCall[]> {
  const all = (await (await fetch(`${api}/__requests`)).json()) as DingTalkCall[]
  return all.slice(before)
}
const count = async () => ((await (await fetch(`${api}/__requests`)).json()) as unknown[]).length

describe('DingTalk callbacks', () => {
  beforeEach(() => {
    sentJobs.length = 0
  })

  it('refuses a bad sign, a stale timestamp and missing headers with 401, queueing nothing', async () => {
    const body = message(oneOnOne)
    const now = String(Date.now())
    const stale = String(Date.now() - 11 * 60_000)
    const attempts: Record<string, string>[] = [
      { timestamp: now, sign: await signDingTalk('wrong-secret', now) },
      { timestamp: stale, sign: await signDingTalk(SECRET, stale) },
      {},
    ]
    for (const headers of attempts) {
      const r = await deliver(body, headers)
      expect(r.status).toBe(401)
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED')
    }
    expect(sentJobs).toEqual([])
  })

  it('answers malformed bodies with 400 and acknowledges other message types without answering', async () => {
    expect((await deliver('{"msgtype":')).status).toBe(400)
    expect((await deliver({ msgtype: 'text' })).status).toBe(400)
    const pic = await deliver(message(picture))
    expect(pic.status).toBe(200)
    expect(await pic.json()).toMatchObject({ ignored: 'only text messages are answered' })
    expect(sentJobs).toEqual([])
  })

  it('answers a 1:1 question once through its session webhook, with numbered linked sources', async () => {
    const body = message(oneOnOne)
    const replies = await Promise.all([deliver(body), deliver(body), deliver(body)])
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200])
    expect(sentJobs).toHaveLength(1)
    const before = await count()
    await drainJobs(5, bindings)
    const calls = await callsSince(before)
    expect(calls.map((c) => c.path)).toEqual([`/robot/sendBySession?session=session-${n}`])
    const sent = calls[0]?.body as { msgtype: string; markdown: { title: string; text: string } }
    expect(sent.msgtype).toBe('markdown')
    expect(sent.markdown.text).toContain('25 days')
    expect(sent.markdown.text).toMatch(
      /\*\*Sources\*\*\n\n1\. Annual leave › Entitlement \(updated 2026-03-14\)/,
    )
  })

  it('answers a Chinese group @mention in Chinese', async () => {
    const before = await count()
    expect((await deliver(message(group))).status).toBe(200)
    await drainJobs(5, bindings)
    const [call] = await callsSince(before)
    const text = (call?.body as { markdown?: { text: string } } | undefined)?.markdown?.text ?? ''
    expect(text).toContain('十五天')
    expect(text).toContain('**来源**')
    expect(text).toMatch(/更新于/)
  })

  it('uses the robot API once the session webhook expired, with a cached access token', async () => {
    const before = await count()
    await deliver(message(oneOnOne, {}, -60_000))
    await deliver(message(group, {}, -60_000))
    await drainJobs(5, bindings)
    const calls = await callsSince(before)
    expect(calls.map((c) => c.path)).toEqual([
      '/v1.0/oauth2/accessToken',
      '/v1.0/robot/oToMessages/batchSend',
      '/v1.0/robot/groupMessages/send',
    ])
    expect(calls[0]?.body).toEqual({ appKey: 'dingappkey', appSecret: SECRET })
    const toUser = calls[1]
    expect(toUser?.headers['x-acs-dingtalk-access-token']).toMatch(/^access-token-\d+$/)
    expect(toUser?.body).toMatchObject({
      robotCode: 'dingappkey',
      userIds: ['manager4617'],
      msgKey: 'sampleMarkdown',
    })
    expect(JSON.parse(String(toUser?.body.msgParam))).toMatchObject({
      text: expect.stringContaining('25 days'),
    })
    expect(calls[2]?.body).toMatchObject({
      robotCode: 'dingappkey',
      openConversationId: group.conversationId,
      msgKey: 'sampleMarkdown',
    })
    expect(calls[2]?.headers['x-acs-dingtalk-access-token']).toBe(
      toUser?.headers['x-acs-dingtalk-access-token'],
    )
  })

  it('never posts to a session webhook that is not DingTalk’s own', async () => {
    const before = await count()
    await deliver(
      message(oneOnOne, { sessionWebhook: 'https://collector.example.net/robot/sendBySession?session=x' }),
    )
    await drainJobs(5, bindings)
    const calls = await callsSince(before)
    expect(calls.map((c) => c.path)).toEqual(['/v1.0/robot/oToMessages/batchSend'])
  })

  it('tells the asker the policy team was asked, and delivers the answer approved in Slack through the robot API', async () => {
    const question = 'Can our choir rehearse in the Shanghai rooftop garden after work?'
    const slackBefore = (await slackCalls()).length
    const before = await count()
    // The session webhook lasts long enough for the holding reply, not for the approval.
    const body = message(oneOnOne, { text: { content: question } }, 60_000)
    await deliver(body)
    await drainJobs(5, bindings)
    const holding = (await callsSince(before)).find((c) => c.path.startsWith('/robot/sendBySession'))
    expect((holding?.body as { markdown?: { text: string } } | undefined)?.markdown?.text).toMatch(
      /asked the policy team/,
    )
    const adminPost = (await slackCalls())
      .slice(slackBefore)
      .find((c) => c.method === 'chat.postMessage' && blockText(c.body).includes(question))
    const escalationId = /"value":"(\d+)"/.exec(blockText(adminPost?.body ?? {}))?.[1] as string
    expect(escalationId).toMatch(/^\d+$/)

    const click = withFields(approveClick, {
      'user.id': 'U0ADMIN001',
      'actions.0.action_id': 'escalation_approve',
      'actions.0.value': escalationId,
    })
    expect((await postInteraction(click)).status).toBe(200)
    const afterApproval = await count()
    await drainJobs(
      5,
      envWith({ ...bindings, DINGTALK_SESSION_ORIGIN: 'https://oapi.dingtalk.com' } as never),
    )
    const delivered = (await callsSince(afterApproval)).filter((c) => c.path.startsWith('/v1.0/robot/'))
    expect(delivered.map((c) => c.path)).toEqual(['/v1.0/robot/oToMessages/batchSend'])
    expect(delivered[0]?.body).toMatchObject({ userIds: ['manager4617'] })
    expect(JSON.parse(String(delivered[0]?.body.msgParam)).text).toMatch(/Answer approved by U0ADMIN001/)
  })
})
