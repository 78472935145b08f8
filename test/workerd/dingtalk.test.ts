import { eq } from 'drizzle-orm'
import { beforeEach, describe, expect, inject, it } from 'vitest'
import { signDingTalk } from '../../bots/dingtalk/verify'
import { parkedJobs, questions } from '../../workers/db/schema'
import type { Env } from '../../workers/env'
import { parkJob } from '../../workers/jobs/consumer'
import type { Job } from '../../workers/jobs/types'
import { openServices } from '../../workers/services'
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
  runCron,
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

async function deliver(body: unknown, headers?: Record<string, string>, env: Env = bindings) {
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
    env,
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

  it('tells someone of another organisation (a cross-organisation group) politely, keeping nothing they wrote', async () => {
    const body = message(group, { senderCorpId: 'dingOTHERCORP0001' })
    expect((await deliver(body)).status).toBe(200)
    const before = await count()
    await drainJobs(5, bindings)
    const calls = await callsSince(before)
    const sent = JSON.stringify(calls.map((c) => c.body))
    expect(sent).toMatch(/只能回答本组织成员的问题|only answer questions from members/)
    expect(sent).not.toMatch(/25 days|年假/)
  })

  it('answers a Chinese group @mention in Chinese', async () => {
    const before = await count()
    expect((await deliver(message(group))).status).toBe(200)
    await drainJobs(5, bindings)
    const [call] = await callsSince(before)
    const text = (call?.body as { markdown?: { text: string } } | undefined)?.markdown?.text ?? ''
    // In a group the asker is @mentioned, so DingTalk notifies them.
    expect(call?.body).toMatchObject({ at: { atUserIds: ['staff0932'], isAtAll: false } })
    expect(text).toMatch(/^@staff0932\n\n/)
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

  it('keeps a question the queue refused (DingTalk may never redeliver it): 200, and the sweep answers it', async () => {
    const body = message(oneOnOne)
    const refusing = {
      ...bindings,
      JOBS: {
        send: async () => {
          throw new Error('Queue send failed: internal error')
        },
      },
    } as unknown as Env
    const res = await deliver(body, undefined, refusing)
    expect(res.status).toBe(200)
    expect(sentJobs).toHaveLength(0)
    const svc = await openServices(bindings)
    try {
      const [q] = await svc.db
        .select()
        .from(questions)
        .where(eq(questions.messageTs, String(body.msgId)))
      expect(q?.status).toBe('queued')
      await svc.db
        .update(questions)
        .set({ createdAt: new Date(Date.now() - 20 * 60_000) })
        .where(eq(questions.id, q?.id as number))
      await runCron(bindings)
      const mine = sentJobs.filter((j) => j.type === 'answer' && j.questionId === q?.id)
      expect(mine).toEqual([{ type: 'answer', questionId: q?.id }])
      // Answered now (it leaves nothing stale for other tests' sweeps).
      sentJobs.length = 0
      sentJobs.push(...mine)
      await drainJobs(5, bindings)
      const [after] = await svc.db
        .select()
        .from(questions)
        .where(eq(questions.id, q?.id as number))
      expect(after?.status).toBe('answered')
    } finally {
      await svc.close()
    }
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

  it('hands the asker’s last answer to the policy team on 转人工, and says when there is nothing to hand over', async () => {
    const asker = { senderStaffId: 'staff5150', senderNick: '王芳' }
    let before = await count()
    await deliver(message(oneOnOne, { ...asker, text: { content: '上海办公室员工每年有多少天年假？' } }))
    await drainJobs(5, bindings)
    const answer = (await callsSince(before))[0]?.body as { markdown?: { text: string } }
    expect(answer.markdown?.text).toContain('十五天')
    expect(answer.markdown?.text).toMatch(/回复「转人工」，由政策团队人工核实。\*$/)

    const slackBefore = (await slackCalls()).length
    before = await count()
    const handoff = await deliver(message(oneOnOne, { ...asker, text: { content: ' 转人工。' } }))
    expect(await handoff.json()).toEqual({ ok: true, accepted: true })
    expect(sentJobs).toMatchObject([{ type: 'escalate', reason: 'asked', by: 'staff5150' }])
    await drainJobs(5, bindings)
    const note = (await callsSince(before)).find((c) => c.path === '/v1.0/robot/oToMessages/batchSend')
    expect(note?.body).toMatchObject({ userIds: ['staff5150'] })
    expect(JSON.parse(String(note?.body.msgParam)).text).toBe(
      '我已请政策团队核实这个答案，他们答复后我会在此回复您。',
    )
    const adminPost = (await slackCalls())
      .slice(slackBefore)
      .find(
        (c) =>
          c.method === 'chat.postMessage' && blockText(c.body).includes('上海办公室员工每年有多少天年假'),
      )
    expect(blockText(adminPost?.body ?? {})).toContain('王芳 (staff5150) asked')

    // Someone with no question here is told so, through the message's own session webhook.
    before = await count()
    const nothing = await deliver(
      message(oneOnOne, { senderStaffId: 'staff6160', text: { content: 'human' } }),
    )
    expect(await nothing.json()).toEqual({ ok: true, nothing: true })
    const told = await callsSince(before)
    expect(told.map((c) => c.path)).toEqual([`/robot/sendBySession?session=session-${n}`])
    expect(JSON.stringify(told[0]?.body)).toContain(
      'There is no question here to hand to the policy team yet',
    )
    expect(sentJobs).toEqual([])
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
    // Slack cannot mention a DingTalk user: the admins see the asker's name and staff id.
    expect(blockText(adminPost?.body ?? {})).toContain(
      '*Li Wei (manager4617) asked in a chat on another platform:*',
    )
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

/**
 * Approvals inside DingTalk: the escalation goes to the admins' group as an ActionCard whose
 * buttons open the Worker's approval page in the DingTalk client; the page signs the admin in with
 * DingTalk (OAuth authCode → staff id, against the local DingTalk), and the decision is a form
 * post. The asker then gets the answer through the robot API and the group gets the outcome.
 */
describe('DingTalk approvals', () => {
  const ADMIN_GROUP = 'cidAdminsGroup0001=='
  const CONSOLE = 'https://bot.example.com'
  const approvals: Env = envWith({
    DINGTALK_APP_KEY: 'dingappkey',
    DINGTALK_APP_SECRET: SECRET,
    DINGTALK_API_URL: api,
    DINGTALK_SESSION_ORIGIN: api,
    DINGTALK_ADMIN_CONVERSATION: ADMIN_GROUP,
    PUBLIC_URL: CONSOLE,
    POLICY_ADMINS: 'U0ADMIN001,boss001,boss002',
  })
  const get = (path: string, cookies = '') =>
    workerFetch(
      `${CONSOLE}${path}`,
      { headers: cookies ? { cookie: cookies } : {}, redirect: 'manual' },
      approvals,
    )
  const post = (path: string, cookies: string, form: Record<string, string>) =>
    workerFetch(
      `${CONSOLE}${path}`,
      {
        method: 'POST',
        headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        redirect: 'manual',
      },
      approvals,
    )
  /** `name=value` of each cookie a response sets. */
  const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0] as string)

  beforeEach(() => {
    sentJobs.length = 0
  })

  /** Asks a question the documents barely touch (it escalates with a weak draft); the session expired. */
  async function escalate(question: string) {
    const before = await count()
    await deliver(message(oneOnOne, { text: { content: question } }, -60_000), undefined, approvals)
    const job = structuredClone(sentJobs[0])
    await drainJobs(5, approvals)
    const card = (await callsSince(before)).find(
      (c) => c.path === '/v1.0/robot/groupMessages/send' && c.body.openConversationId === ADMIN_GROUP,
    )
    const param = JSON.parse(String(card?.body.msgParam ?? '{}')) as Record<string, string>
    const id = /#(\d+)/.exec(param.text ?? '')?.[1] as string
    return { card, param, id, job }
  }

  /** Signs in through the page's redirect to DingTalk and back, as `code-<staffId>` would. */
  async function signIn(path: string, staffId: string) {
    const first = await get(path)
    expect(first.status).toBe(302)
    const login = new URL(first.headers.get('location') as string)
    const back = await get(
      `/dingtalk/login?authCode=code-${staffId}&state=${encodeURIComponent(login.searchParams.get('state') as string)}`,
      cookiesOf(first).join('; '),
    )
    return { first, login, back, session: cookiesOf(back).find((c) => c.startsWith('pb_dt_session=')) ?? '' }
  }

  it('posts the escalation to the admins’ group as an ActionCard whose buttons open the approval page', async () => {
    const question = '杭州办公室的大厅鱼缸里可以养一只乌龟吗？'
    const { card, param, id, job } = await escalate(question)
    expect(id).toMatch(/^\d+$/)
    expect(card?.headers['x-acs-dingtalk-access-token']).toMatch(/^access-token-/)
    expect(card?.body).toMatchObject({ robotCode: 'dingappkey', openConversationId: ADMIN_GROUP })
    // Approve (the draft as it is), Edit and Reject, in the question's language (Chinese).
    expect(card?.body.msgKey).toBe('sampleActionCard3')
    const link = (action: string) =>
      `dingtalk://dingtalkclient/page/link?url=${encodeURIComponent(`${CONSOLE}/dingtalk/escalations/${id}?action=${action}`)}&pc_slide=true`
    expect(param).toMatchObject({
      actionTitle1: '批准',
      actionURL1: link('approve'),
      actionTitle2: '修改后批准',
      actionURL2: link('edit'),
      actionTitle3: '驳回',
      actionURL3: link('reject'),
    })
    expect(param.text).toContain('**答案草稿**')
    expect(param.text).toContain(`> ${question}`)
    expect(param.text).toContain('**提问人** Li Wei (manager4617)')
    // The same answer job again (a queue redelivery) posts nothing twice.
    const before = await count()
    sentJobs.push(job as never)
    await drainJobs(1, approvals)
    expect((await callsSince(before)).filter((c) => c.body.openConversationId === ADMIN_GROUP)).toEqual([])
  })

  it('tells every admin place once even when one failed: the retried job posts only what is missing', async () => {
    const flaky = envWith({ ...approvals, DINGTALK_ADMIN_CONVERSATION: 'cidFlakyAdmins01==' } as never)
    const question = 'Can the Hangzhou office host a Saturday badminton league in the car park?'
    const slackBefore = (await slackCalls()).length
    const before = await count()
    await deliver(message(oneOnOne, { text: { content: question } }, -60_000), undefined, flaky)
    const result = await drainJobs(5, flaky)
    expect(result.retried).toBe(1)
    const cards = (await callsSince(before)).filter((c) => c.body.openConversationId === 'cidFlakyAdmins01==')
    expect(cards.map((c) => c.body.msgKey)).toEqual(['sampleActionCard3', 'sampleActionCard3'])
    const slackPosts = (await slackCalls())
      .slice(slackBefore)
      .filter((c) => c.method === 'chat.postMessage' && blockText(c.body).includes(question))
    expect(slackPosts).toHaveLength(1)
    // The asker got the holding reply once.
    const toAsker = (await callsSince(before)).filter((c) => c.path === '/v1.0/robot/oToMessages/batchSend')
    expect(toAsker).toHaveLength(1)
  })

  it('alerts every admin place of a parked question once each: one that was down is told by the cron, the others not again', async () => {
    const flaky = envWith({ ...approvals, DINGTALK_ADMIN_CONVERSATION: 'cidFlakyParked01==' } as never)
    const question = 'Who signs off a sabbatical for the Chengdu warehouse night shift?'
    sentJobs.length = 0
    await deliver(message(oneOnOne, { text: { content: question } }), undefined, flaky)
    const job = sentJobs.find((j) => j.type === 'answer')
    expect(job).toBeDefined()
    const slackBefore = (await slackCalls()).length
    const before = await count()
    const svc = await openServices(flaky)
    try {
      // The job's retries ran out (the DingTalk robot API was down for the whole budget).
      await parkJob(svc, job as Job, 25, 'DingTalk robot API failed: HTTP 503')
      const mine = async () =>
        (await svc.db.select().from(parkedJobs)).find(
          (p) =>
            (p.body as { questionId?: number }).questionId === (job as { questionId: number }).questionId,
        )
      const first = await mine()
      expect(first).toMatchObject({ adminPlacesTold: ['slack'], adminsToldAt: null })
      expect(first?.askerToldAt).toBeInstanceOf(Date)
      await runCron(flaky)
      expect((await mine())?.adminsToldAt).toBeInstanceOf(Date)
      expect((await mine())?.adminPlacesTold.sort()).toEqual(['dingtalk', 'slack'])
    } finally {
      await svc.close()
    }
    const slackAlerts = (await slackCalls())
      .slice(slackBefore)
      .filter((c) => c.method === 'chat.postMessage' && String(c.body.text).includes(question))
    expect(slackAlerts.map((c) => [c.body.channel, c.response?.ok])).toEqual([['C0ADMINS01', true]])
    const groupAlerts = (await callsSince(before)).filter(
      (c) =>
        c.body.openConversationId === 'cidFlakyParked01==' && String(c.body.msgParam).includes('Chengdu'),
    )
    // The first try met the outage, the cron's got through; the asker heard once, through the session.
    expect(groupAlerts).toHaveLength(2)
    const alert = JSON.parse(String(groupAlerts[1]?.body.msgParam)) as { text: string }
    expect(alert.text).toMatch(
      /could not be answered after 25 attempts \(DingTalk robot API failed: HTTP 503\)/,
    )
    const toAsker = (await callsSince(before)).filter((c) => c.path.startsWith('/robot/sendBySession'))
    expect(toAsker.map((c) => JSON.stringify(c.body))).toEqual([
      expect.stringMatching(/policy team has been told/),
    ])
  })

  it('reminds the admins’ group of a waiting escalation by posting its card again', async () => {
    const { id } = await escalate('Can the Hangzhou office keep bicycles in the server room?')
    await new Promise((r) => setTimeout(r, 400))
    const before = await count()
    await runCron(envWith({ ...approvals, ESCALATION_REMIND_HOURS: '0.0001' } as never))
    const reminders = (await callsSince(before))
      .filter((c) => c.body.openConversationId === ADMIN_GROUP)
      .map((c) => ({
        key: c.body.msgKey,
        param: JSON.parse(String(c.body.msgParam)) as Record<string, string>,
      }))
    const mine = reminders.find((r) => r.param.text?.includes(`(#${id})`))
    expect(mine?.key).toBe('sampleActionCard3')
    expect(mine?.param.text).toMatch(/^⏰ \*\*Reminder\*\*: this question has been waiting 0 hours\.\n\n### /)
    expect(mine?.param.actionURL1).toContain(encodeURIComponent(`/dingtalk/escalations/${id}?action=approve`))
  })

  it('sends a visitor to DingTalk sign-in, and signs an admin in with the authCode DingTalk returns', async () => {
    const { id } = await escalate('May the Hangzhou office keep a tortoise in the lobby aquarium?')
    const path = `/dingtalk/escalations/${id}?action=edit`
    const before = await count()
    const { first, login, back, session } = await signIn(path, 'boss001')
    expect(`${login.origin}${login.pathname}`).toBe('https://login.dingtalk.com/oauth2/auth')
    expect(Object.fromEntries(login.searchParams)).toMatchObject({
      redirect_uri: `${CONSOLE}/dingtalk/login`,
      response_type: 'code',
      client_id: 'dingappkey',
      scope: 'openid',
      prompt: 'consent',
    })
    expect(first.headers.getSetCookie()[0]).toMatch(
      /^pb_dt_login=[\w-]+; Max-Age=600; Path=\/dingtalk; HttpOnly; Secure; SameSite=Lax$/,
    )
    expect(back.status).toBe(302)
    expect(back.headers.get('location')).toBe(path)
    expect(session).toMatch(/^pb_dt_session=[\w-]+\.[\w-]+$/)
    const calls = await callsSince(before)
    expect(calls.map((c) => c.path.split('?')[0])).toEqual([
      '/v1.0/oauth2/userAccessToken',
      '/v1.0/contact/users/me',
      '/topapi/user/getbyunionid',
    ])
    expect(calls[0]?.body).toEqual({
      clientId: 'dingappkey',
      clientSecret: SECRET,
      code: 'code-boss001',
      grantType: 'authorization_code',
    })
    expect(calls[1]?.headers['x-acs-dingtalk-access-token']).toBe('user-token-boss001')
    expect(calls[2]?.body).toEqual({ unionid: 'union-boss001' })
    expect(calls[2]?.path).toMatch(/access_token=access-token-\d+$/)

    const pageRes = await get(path, session)
    expect(pageRes.status).toBe(200)
    expect(pageRes.headers.get('cache-control')).toBe('no-store')
    const html = await pageRes.text()
    expect(html).toContain('May the Hangzhou office keep a tortoise in the lobby aquarium?')
    expect(html).toContain('Signed in as Nick boss001 (boss001)')
    expect(html).toMatch(/<textarea id="answer" name="answer" maxlength="3000" autofocus>/)

    // Refused: a state from another browser, no code, a cancelled sign-in, someone from another
    // company, a forged session, and a colleague who is not a policy admin.
    const state = encodeURIComponent(login.searchParams.get('state') as string)
    expect(
      (await get(`/dingtalk/login?authCode=code-boss001&state=${state}`, 'pb_dt_login=other')).status,
    ).toBe(400)
    expect((await get(`/dingtalk/login?state=${state}`, cookiesOf(first).join('; '))).status).toBe(400)
    expect((await get(`/dingtalk/login?error=access_denied&state=${state}`)).status).toBe(403)
    const outsider = await signIn(path, 'outsider9')
    expect(outsider.back.status).toBe(403)
    const outsiderPage = await outsider.back.text()
    expect(outsiderPage).toContain('you may not be a member of this organisation')
    // DingTalk's own reply stays in the log.
    expect(outsiderPage).not.toContain('找不到该用户')
    expect(outsider.session).toBe('')
    const [payload, mac] = session.slice('pb_dt_session='.length).split('.')
    const forged = `pb_dt_session=${btoa(JSON.stringify({ user: 'boss001', nick: 'x', purpose: 'dingtalk-session', exp: Date.now() + 1e7 })).replace(/=+$/, '')}.${mac}`
    expect(payload).toBeTruthy()
    expect((await get(path, forged)).status).toBe(302)
    const staff = await signIn(path, 'staff777')
    const refused = await get(path, staff.session)
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain('Only policy admins')
    // A DingTalk staff id chosen to equal a Slack admin's id (U0ADMIN001) is not that admin.
    const lookalike = await signIn(path, 'U0ADMIN001')
    const notAdmin = await get(path, lookalike.session)
    expect(notAdmin.status).toBe(403)
    expect(await notAdmin.text()).toContain('Only policy admins')
  })

  it('signs in over plain http too (an intranet PUBLIC_URL): its cookies are not Secure, so the browser keeps them', async () => {
    const intranet = 'http://policybot.intranet:8787'
    const env = { ...approvals, PUBLIC_URL: intranet } as Env
    const first = await workerFetch(`${intranet}/dingtalk/escalations/1`, { redirect: 'manual' }, env)
    expect(first.status).toBe(302)
    const [login] = first.headers.getSetCookie()
    expect(login).toMatch(/^pb_dt_login=[\w-]+; Max-Age=600; Path=\/dingtalk; HttpOnly; SameSite=Lax$/)
    expect(login).not.toMatch(/Secure/)
  })

  it('an admin decides on the page: the asker gets the answer, the group the outcome, a second admin who won', async () => {
    const question = 'Can the Hangzhou team borrow the rooftop projector for a film night?'
    const { id } = await escalate(question)
    const path = `/dingtalk/escalations/${id}`
    const boss = (await signIn(`${path}?action=edit`, 'boss001')).session
    const html = await (await get(path, boss)).text()
    const token = /name="token" value="([^"]+)"/.exec(html)?.[1] as string
    expect(token).toBeTruthy()

    // Refused: no session, another admin's token, no action, a token for another escalation.
    expect((await post(path, '', { token, action: 'approve', answer: 'x' })).status).toBe(401)
    const other = (await signIn(path, 'boss002')).session
    expect((await post(path, other, { token, action: 'approve', answer: 'x' })).status).toBe(403)
    expect((await post(path, boss, { token, answer: 'x' })).status).toBe(400)
    expect(
      (await post(`/dingtalk/escalations/${Number(id) + 1000}`, boss, { token, action: 'reject' })).status,
    ).toBe(403)
    expect(sentJobs).toEqual([])

    // The second admin opens the page before the first decides.
    const otherToken = /name="token" value="([^"]+)"/.exec(
      await (await get(path, other)).text(),
    )?.[1] as string
    const answer = 'Yes: book the projector with Facilities at least two days ahead.'
    const done = await post(path, boss, { token, action: 'approve', answer, reason: '' })
    expect(done.status).toBe(200)
    expect(await done.text()).toContain('The answer is on its way to the asker.')
    const before = await count()
    await drainJobs(5, approvals)
    const calls = await callsSince(before)
    const toAsker = calls.find((c) => c.path === '/v1.0/robot/oToMessages/batchSend')
    expect(toAsker?.body).toMatchObject({ userIds: ['manager4617'], msgKey: 'sampleMarkdown' })
    const delivered = JSON.parse(String(toAsker?.body.msgParam)).text as string
    expect(delivered).toContain('Answer approved by Nick boss001 (boss001)')
    expect(delivered).toContain(answer)
    const outcome = calls.filter((c) => c.body.openConversationId === ADMIN_GROUP)
    expect(outcome.map((c) => c.body.msgKey)).toEqual(['sampleMarkdown'])
    expect(JSON.parse(String(outcome[0]?.body.msgParam)).text).toMatch(
      new RegExp(`^✅ \\*\\*Edited and approved\\*\\* \\(#${id}\\) · by Nick boss001 \\(boss001\\)`),
    )

    // The second admin's form loses and says who decided; the page now shows the outcome.
    const late = await post(path, other, { token: otherToken, action: 'reject', reason: 'no' })
    expect(late.status).toBe(409)
    expect(await late.text()).toContain('Already edited by Nick boss001 (boss001)')
    expect(await (await get(path, other)).text()).toContain(
      'Already edited and approved by Nick boss001 (boss001).',
    )
    await drainJobs(5, approvals)
    expect((await callsSince(before)).filter((c) => c.body.openConversationId === ADMIN_GROUP)).toHaveLength(
      1,
    )
  })
})
