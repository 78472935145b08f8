import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, inject, it } from 'vitest'
import { feedback } from '../../workers/db/schema'
import type { Env } from '../../workers/env'
import { openServices } from '../../workers/services'
import invoke from '../fixtures/teams/invoke_action_execute.json'
import channel from '../fixtures/teams/message_channel_mention.json'
import personal from '../fixtures/teams/message_personal.json'
import type { ConnectorCall } from '../helpers/bot-connector'
import { STREAMED_ANSWER } from './constants'
import { blockText, drainJobs, envWith, runCron, sentJobs, slackCalls, workerFetch } from './slack'

/**
 * Teams on the Worker in workerd: the Bot Connector's JWT (keys from a local OpenID metadata
 * endpoint), the tenant allow-list, de-duplication, and the answer posted back through a local
 * Bot Connector as an Adaptive Card, with a client-credentials token.
 */
const connector = inject('botConnectorUrl')
const ADMIN_CHANNEL = '19:a1d2m3i4n5s6c7h8a9n0n1e2l3a4b5c6@thread.tacv2'
const TEAMS_ADMIN = 'a0d4f6e8-1b2c-4d3e-8f9a-0b1c2d3e4f5a'
const tokens = inject('teamsTokens')
const bindings: Env = envWith({
  TEAMS_APP_ID: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
  TEAMS_APP_PASSWORD: 'teams-app-password',
  TEAMS_APP_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  TEAMS_TENANTS: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  TEAMS_LOGIN_URL: connector,
  TEAMS_OPENID_METADATA: inject('teamsMetadataUrl'),
  TEAMS_ADMIN_CONVERSATION: ADMIN_CHANNEL,
  TEAMS_SERVICE_URL: `${connector}/`,
  POLICY_ADMINS: `U0ADMIN001,U0ADMIN002,S0POLICYTEAM,${TEAMS_ADMIN}`,
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
    // The plain text is the notification summary, not a second message above the card.
    expect(post_?.body).not.toHaveProperty('text')
    expect((post_?.body as { summary?: string } | undefined)?.summary).toContain('25 days')
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

  it('streams a generated answer in a 1:1 chat: typing activities with streaminfo, then the final card', async () => {
    const withRunner = envWith({ ...bindings, RUNNER_URL: inject('runnerUrl') } as never)
    const a = activity(personal)
    expect((await post(a)).status).toBe(200)
    const before = (await calls()).length
    await drainJobs(5, withRunner)
    const sent = (await calls()).slice(before).filter((c) => c.path.startsWith('/v3/'))
    expect(
      sent.every(
        (c) => c.method === 'POST' && decodeURIComponent(c.path).includes(a.conversation.id as string),
      ),
    ).toBe(true)
    type Streamed = {
      type: string
      text?: string
      entities?: Array<Record<string, unknown>>
      attachments?: unknown[]
    }
    const bodies = sent.map((c) => c.body as Streamed)
    const typing = bodies.filter((b) => b.type === 'typing')
    expect(typing.length).toBeGreaterThan(1)
    expect(typing[0]?.entities).toEqual([{ type: 'streaminfo', streamType: 'streaming', streamSequence: 1 }])
    const streamId = (sent[0]?.response?.json as { id?: string } | undefined)?.id
    expect(sent.every((c) => c.response?.status === 201)).toBe(true)
    for (const [i, t] of typing.slice(1).entries()) {
      expect(t.entities).toEqual([
        { type: 'streaminfo', streamId, streamType: 'streaming', streamSequence: i + 2 },
      ])
    }
    // Each update holds all the text before it; the answer grows to the generated text.
    for (let i = 1; i < typing.length; i++)
      expect(typing[i]?.text?.startsWith(typing[i - 1]?.text ?? '')).toBe(true)
    expect(STREAMED_ANSWER.startsWith(typing.at(-1)?.text ?? 'x')).toBe(true)
    const final = bodies.at(-1)
    expect(final?.type).toBe('message')
    expect(final?.entities).toEqual([{ type: 'streaminfo', streamId, streamType: 'final' }])
    // The final message carries the answer's text, as Teams' streaming protocol requires.
    expect(String(final?.text)).toContain(String(typing.at(-1)?.text).slice(0, 20))
    expect(JSON.stringify(final?.attachments)).toContain('Annual leave › Entitlement')
    expect(bodies.filter((b) => b.type === 'message')).toHaveLength(1)
  })

  it('shows a generated answer growing in a channel thread by updating one message (Teams streams only 1:1)', async () => {
    const withRunner = envWith({ ...bindings, RUNNER_URL: inject('runnerUrl') } as never)
    const a = activity(channel)
    expect((await post(a)).status).toBe(200)
    const before = (await calls()).length
    await drainJobs(5, withRunner)
    const sent = (await calls()).slice(before).filter((c) => c.path.startsWith('/v3/'))
    expect(sent.filter((c) => JSON.stringify(c.body).includes('streaminfo'))).toEqual([])
    expect(sent[0]?.method).toBe('POST')
    const messageId = (sent[0]?.response?.json as { id?: string } | undefined)?.id
    const updates = sent.slice(1)
    expect(updates.length).toBeGreaterThan(0)
    expect(updates.every((c) => c.method === 'PUT' && c.path.endsWith(`/activities/${messageId}`))).toBe(true)
    const last = updates.at(-1)?.body as { attachments?: unknown[] }
    expect(JSON.stringify(last.attachments)).toContain('Annual leave › Entitlement')
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
      { type: 'Action.Execute', title: '👍 Helpful', verb: 'feedback', data: { questionId, helpful: true } },
      {
        type: 'Action.Execute',
        title: '👎 Not helpful',
        verb: 'feedback',
        data: { questionId, helpful: false },
      },
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
    // A thumbs-down is recorded and points to a human.
    const down = await press({
      value: { action: { type: 'Action.Execute', verb: 'feedback', data: { questionId, helpful: false } } },
    })
    expect(await down.json()).toMatchObject({ statusCode: 200, value: expect.stringMatching(/Ask a human/) })
    const svc = await openServices(bindings)
    const votes = await svc.db.select().from(feedback).where(eq(feedback.questionId, questionId))
    await svc.close()
    expect(votes.map((v) => [v.voter, v.helpful])).toEqual([['6b2f9d4e-1a3c-4e5b-8d7f-0a9b8c7d6e5f', false]])
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

  it('posts an escalation to the Teams admin channel as a card that a policy admin approves in place', async () => {
    const question = 'Can the chess club borrow the boardroom projector on weekends?'
    const a = activity(personal, { text: question })
    await post(a)
    let before = (await calls()).length
    await drainJobs(5, bindings)
    let sent = (await calls()).slice(before).filter((c) => c.path.startsWith('/v3/'))
    const adminPath = `/v3/conversations/${encodeURIComponent(ADMIN_CHANNEL)}/activities`
    const adminPost = sent.find((c) => c.path === adminPath)
    const adminCard = (
      adminPost?.body as
        | {
            attachments?: Array<{
              content: { actions: Array<{ verb: string; data: { escalationId: number } }> }
            }>
          }
        | undefined
    )?.attachments?.[0]?.content
    // Approve (the draft as it is), Edit and Reject (forms under the card, sent with the action).
    expect(adminCard?.actions.map((x) => (x as unknown as { title: string }).title)).toEqual([
      'Approve',
      'Edit',
      'Reject',
    ])
    const forms = JSON.stringify(adminCard?.actions.slice(1))
    expect(forms).toMatch(/"type":"Action.ShowCard","title":"Edit".*"id":"answer".*"verb":"approve"/)
    expect(forms).toMatch(/"title":"Reject".*"id":"reason".*"verb":"reject"/)
    // The asker by name (and AAD id), as the activity's `from` gave it.
    expect(JSON.stringify(adminCard)).toContain(`Asked by Maria Schmidt (${personal.from.aadObjectId})`)
    const escalationId = adminCard?.actions[0]?.data.escalationId as number
    // The asker was told in their own chat.
    const holding = sent.find((c) => c.path.includes(encodeURIComponent(personal.conversation.id)))
    expect(JSON.stringify(holding?.body)).toMatch(/asked the policy team/)

    const decide = (user: string, verb: string, data: Record<string, unknown>) =>
      post(
        activity(invoke, {
          from: { id: `29:${user}`, name: 'Megan Bowen', aadObjectId: user },
          conversation: {
            conversationType: 'channel',
            tenantId: invoke.conversation.tenantId,
            id: ADMIN_CHANNEL,
          },
          value: {
            action: { type: 'Action.Execute', verb, data: { escalationId, ...data } },
            trigger: 'manual',
          },
        }),
      )
    const refused = await decide('11111111-2222-4333-8444-555555555555', 'approve', { answer: 'Yes.' })
    expect(await refused.json()).toMatchObject({ value: 'Only policy admins can approve or reject answers.' })

    sentJobs.length = 0
    const answer = 'Yes, on weekends, if you book it with Facilities first.'
    const approved = await decide(TEAMS_ADMIN, 'approve', { answer, reason: '' })
    const shown = (await approved.json()) as { statusCode: number; value: { body: Array<{ text?: string }> } }
    expect(shown.statusCode).toBe(200)
    expect(shown.value.body.map((b) => b.text).join('\n')).toContain(
      `Edited and approved by Megan Bowen (${TEAMS_ADMIN})`,
    )
    expect(sentJobs).toEqual([{ type: 'deliver', escalationId }])

    before = (await calls()).length
    await drainJobs(5, bindings)
    sent = (await calls()).slice(before)
    const delivered = sent.find(
      (c) => c.method === 'POST' && c.path.includes(encodeURIComponent(personal.conversation.id)),
    )
    const deliveredText = JSON.stringify(delivered?.body)
    expect(deliveredText).toContain(answer)
    expect(deliveredText).toContain(`Answer approved by Megan Bowen (${TEAMS_ADMIN})`)
    const refreshed = sent.find((c) => c.method === 'PUT' && c.path.startsWith(`${adminPath}/`))
    expect(JSON.stringify(refreshed?.body)).toContain('Edited and approved')
    expect(JSON.stringify(refreshed?.body)).not.toContain('Action.Execute')

    // A second admin pressing the stale card learns who decided.
    const late = await decide(TEAMS_ADMIN, 'reject', { reason: 'no' })
    expect(JSON.stringify(await late.json())).toContain(`Edited and approved by Megan Bowen (${TEAMS_ADMIN})`)
    expect(sentJobs).toEqual([])
  })
  it('reminds the admin channel of a waiting escalation with a reply in the card’s thread', async () => {
    const question = 'Can the chess club store its trophies in the server room?'
    await post(activity(personal, { text: question }))
    const before = (await calls()).length
    await drainJobs(5, bindings)
    const adminPath = `/v3/conversations/${encodeURIComponent(ADMIN_CHANNEL)}/activities`
    const card = (await calls())
      .slice(before)
      .find((c) => c.path === adminPath && JSON.stringify(c.body).includes(question))
    const cardId = (card?.response?.json as { id?: string } | undefined)?.id as string
    expect(cardId).toBeTruthy()
    await new Promise((r) => setTimeout(r, 400))
    const mark = (await calls()).length
    await runCron(envWith({ ...bindings, ESCALATION_REMIND_HOURS: '0.0001' } as never))
    const thread = `/v3/conversations/${encodeURIComponent(`${ADMIN_CHANNEL};messageid=${cardId}`)}/activities`
    const reminder = (await calls()).slice(mark).find((c) => c.path === thread)
    expect(reminder?.body).toMatchObject({ type: 'message', textFormat: 'markdown' })
    expect((reminder?.body as { text?: string } | undefined)?.text).toMatch(
      /^⏰ Reminder: this question has been waiting 0 hours/,
    )
  })
})
