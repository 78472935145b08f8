import { beforeEach, describe, expect, inject, it } from 'vitest'
import type { Env } from '../../workers/env'
import invoke from '../fixtures/teams/invoke_action_execute.json'
import channel from '../fixtures/teams/message_channel_mention.json'
import personal from '../fixtures/teams/message_personal.json'
import type { ConnectorCall } from '../helpers/bot-connector'
import { blockText, drainJobs, envWith, sentJobs, slackCalls, workerFetch } from './slack'

/**
 * Teams on the Worker in workerd: the Bot Connector's JWT (keys from a local OpenID metadata
 * endpoint), the tenant allow-list, de-duplication, and the answer posted back through a local
 * Bot Connector as an Adaptive Card, with a client-credentials token.
 */
const connector = inject('botConnectorUrl')
const tokens = inject('teamsTokens')
const bindings: Env = envWith({
  TEAMS_APP_ID: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
  TEAMS_APP_PASSWORD: 'teams-app-password',
  TEAMS_TENANTS: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  TEAMS_LOGIN_URL: connector,
  TEAMS_OPENID_METADATA: inject('teamsMetadataUrl'),
})

let n = 0
/** A fixture with a fresh activity id, coming from the local Bot Connector. */
function activity<T extends { id: string; conversation: Record<string, unknown> }>(
  fixture: T,
  over: Record<string, unknown> = {},
) {
  n++
  return { ...fixture, id: `${Date.now()}${n}`, serviceUrl: `${connector}/`, ...over }
}

const post = (body: unknown, token: string | null = tokens.good) =>
  workerFetch(
    'https://bot.example.com/teams/messages',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    },
    bindings,
  )

const calls = async () => (await (await fetch(`${connector}/__requests`)).json()) as ConnectorCall[]

describe('Teams messaging endpoint', () => {
  beforeEach(() => {
    sentJobs.length = 0
  })

  it('refuses a missing, foreign-audience or expired token with 401, queueing nothing', async () => {
    const statuses = []
    for (const token of [null, tokens.wrongAudience, tokens.expired, 'not.a.jwt']) {
      statuses.push((await post(activity(personal), token)).status)
    }
    expect(statuses).toEqual([401, 401, 401, 401])
    expect(sentJobs).toEqual([])
  })

  it('answers 503 (so the Connector retries) when the signing keys cannot be fetched', async () => {
    const down = envWith({
      ...bindings,
      TEAMS_OPENID_METADATA: 'http://127.0.0.1:9/v1/.well-known/openidconfiguration',
    } as never)
    const r = await workerFetch(
      'https://bot.example.com/teams/messages',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.good}` },
        body: JSON.stringify(activity(personal)),
      },
      down,
    )
    expect(r.status).toBe(503)
    expect(sentJobs).toEqual([])
  })

  it('refuses a token issued for another serviceUrl', async () => {
    const r = await post(activity(personal, { serviceUrl: 'https://smba.trafficmanager.net/emea/' }))
    expect(r.status).toBe(401)
  })

  it('refuses a tenant that is not allowed with 403 and malformed activities with 400', async () => {
    const other = activity(personal, {
      conversation: { ...personal.conversation, tenantId: '00000000-0000-0000-0000-000000000000' },
      channelData: { tenant: { id: '00000000-0000-0000-0000-000000000000' } },
    })
    expect((await post(other)).status).toBe(403)
    expect((await post('{"type":')).status).toBe(400)
  })

  it('answers a 1:1 question once, as an Adaptive Card with numbered linked sources', async () => {
    const a = activity(personal)
    const replies = await Promise.all([post(a), post(a)])
    expect(replies.map((r) => r.status)).toEqual([200, 200])
    expect(sentJobs).toHaveLength(1)
    const before = (await calls()).length
    await drainJobs(5, bindings)
    const sent = (await calls()).slice(before)
    expect(sent.map((c) => c.path)).toEqual(
      expect.arrayContaining([
        `/v3/conversations/${encodeURIComponent(personal.conversation.id)}/activities`,
      ]),
    )
    const token = sent.find((c) => c.path.endsWith('/oauth2/v2.0/token'))
    if (token) {
      expect(token.body).toMatchObject({
        grant_type: 'client_credentials',
        client_id: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
        scope: 'https://api.botframework.com/.default',
      })
    }
    const post_ = sent.find((c) => c.path.startsWith('/v3/'))
    expect(post_?.headers.authorization).toMatch(/^Bearer bot-token-\d+$/)
    const body = post_?.body as {
      type: string
      attachments: Array<{ contentType: string; content: { body: Array<{ text: string }> } }>
    }
    expect(body.type).toBe('message')
    expect(body.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive')
    const texts = body.attachments[0]?.content.body.map((b) => b.text).join('\n')
    expect(texts).toContain('25 days')
    expect(texts).toMatch(/Sources\n1\. Annual leave › Entitlement \(updated 2026-03-14\)/)
  })

  it('answers a channel @mention into its thread', async () => {
    const a = activity(channel)
    expect((await post(a)).status).toBe(200)
    const before = (await calls()).length
    await drainJobs(5, bindings)
    const sent = (await calls()).slice(before).filter((c) => c.path.startsWith('/v3/'))
    expect(sent.map((c) => c.path)).toEqual([
      `/v3/conversations/${encodeURIComponent(channel.conversation.id)}/activities`,
    ])
  })

  it('hands a question to the policy team from the card’s Universal Action, answering the invoke with the new card', async () => {
    const a = activity(personal, { text: 'How many days of annual leave do I get after five years?' })
    await post(a)
    const job = sentJobs.find((j) => j.type === 'answer')
    const questionId = job?.type === 'answer' ? job.questionId : 0
    await drainJobs(5, bindings)
    const answered = (await calls()).filter((c) => c.path.startsWith('/v3/')).at(-1)
    const card = (answered?.body as { attachments?: Array<{ content: { actions?: unknown[] } }> } | undefined)
      ?.attachments?.[0]?.content
    expect(card?.actions).toEqual([
      { type: 'Action.Execute', title: 'Ask a human', verb: 'askHuman', data: { questionId } },
    ])

    const press = (over: Record<string, unknown> = {}) =>
      post(
        activity(invoke, {
          value: {
            action: { type: 'Action.Execute', verb: 'askHuman', data: { questionId } },
            trigger: 'manual',
          },
          ...over,
        }),
      )
    // Someone else in another conversation cannot; the asker can.
    const elsewhere = await press({ conversation: { ...invoke.conversation, id: 'a:another-conversation' } })
    expect(await elsewhere.json()).toMatchObject({ statusCode: 404, type: 'application/vnd.microsoft.error' })
    const unknown = await press({ value: { action: { type: 'Action.Execute', verb: 'dance', data: {} } } })
    expect(await unknown.json()).toMatchObject({ statusCode: 400 })
    sentJobs.length = 0
    const r = await press()
    expect(r.status).toBe(200)
    expect(await r.json()).toMatchObject({
      statusCode: 200,
      type: 'application/vnd.microsoft.card.adaptive',
      value: { type: 'AdaptiveCard', body: [{ text: expect.stringMatching(/asked the policy team/) }] },
    })
    expect(sentJobs).toEqual([
      { type: 'escalate', questionId, reason: 'asked', by: '6b2f9d4e-1a3c-4e5b-8d7f-0a9b8c7d6e5f' },
    ])
    const slackBefore = (await slackCalls()).length
    const before = (await calls()).length
    await drainJobs(5, bindings)
    const note = (await calls()).slice(before).find((c) => c.path.startsWith('/v3/'))
    expect((note?.body as { text?: string } | undefined)?.text).toMatch(/^I've asked the policy team/)
    const admin = (await slackCalls()).slice(slackBefore).find((c) => c.method === 'chat.postMessage')
    expect(blockText(admin?.body ?? {})).toContain('after five years')
  })
})
