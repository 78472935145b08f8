import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { recordQuestion } from '../../workers/conversations/questions'
import { questions } from '../../workers/db/schema'
import type { Env } from '../../workers/env'
import { openEscalation } from '../../workers/escalation/escalations'
import { deleteDocument } from '../../workers/knowledge/store'
import { openServices } from '../../workers/services'
import approveClick from '../fixtures/slack/block_actions_approve.json'
import fileShare from '../fixtures/slack/message_file_share_im.json'
import editSubmit from '../fixtures/slack/view_submission_edit.json'
import invoke from '../fixtures/teams/invoke_action_execute.json'
import {
  drainJobs,
  envWith,
  freshTs,
  postEvent,
  postInteraction,
  sentJobs,
  testEnv,
  withFields,
  workerFetch,
} from './slack'

/**
 * Every decision path writes the audit log, under the person as the log names them
 * (`platform:id`), with the draft before and the answer after: Slack's buttons and modal, a Teams
 * card, the DingTalk approval page and the web console. Escalations are seeded straight into the
 * database (a Slack asker's), so each test is about its decision path only; the log is read back
 * through the console's `GET /api/audit`.
 */
const CONSOLE_TOKEN = 'workerd-test-console-token-0123456789'
const TEAMS_ADMIN = 'a0d4f6e8-1b2c-4d3e-8f9a-0b1c2d3e4f5a'
const DRAFT = 'Probably not: the lobby is a shared space [1].'

type AuditJson = {
  id: number
  at: string
  actor: string
  action: string
  subject: string
  before: string | null
  after: string | null
  detail: Record<string, unknown>
}

/** The console API as the local admin (a bearer, as scripts use it). */
const consoleApi = (path: string, init: RequestInit = {}) =>
  workerFetch(`http://127.0.0.1:8787${path}`, {
    ...init,
    headers: { authorization: `Bearer ${CONSOLE_TOKEN}`, 'content-type': 'application/json' },
  })

async function auditOf(subject: string): Promise<AuditJson[]> {
  const res = await consoleApi(`/api/audit?subject=${encodeURIComponent(subject)}`)
  expect(res.status).toBe(200)
  return ((await res.json()) as AuditJson[]).reverse()
}

/** The decisions on an escalation (its opening is logged too, as `escalate`). */
const decisionsOf = async (subject: string) => (await auditOf(subject)).filter((r) => r.action === 'decide')

/** A question asked in Slack and escalated with a draft; its id and the escalation's. */
async function seedEscalation(question: string) {
  const svc = await openServices(testEnv)
  try {
    const ts = freshTs()
    const questionId = (await recordQuestion(svc.db, `slack:T0POLICY01:C0GENERAL1:${ts}`, {
      place: { platform: 'slack', team: 'T0POLICY01', channel: 'C0GENERAL1', threadTs: ts },
      messageTs: ts,
      asker: 'U0ASKER001',
      text: question,
      trigger: 'mention',
    })) as number
    // As the pipeline leaves it: with the team, so no sweep takes it for a lost question.
    await svc.db.update(questions).set({ status: 'escalated' }).where(eq(questions.id, questionId))
    const { row } = await openEscalation(svc.db, {
      questionId,
      reason: 'low_confidence',
      draft: DRAFT,
      citations: [],
      confidence: 0.3,
      actor: 'system',
    })
    return { questionId, escalationId: row.id }
  } finally {
    await svc.close()
  }
}

describe('the audit log of decisions', () => {
  afterEach(async () => {
    // Deliver what was decided (to the local Slack), leaving nothing queued for other tests.
    expect(await drainJobs(5)).toMatchObject({ retried: 0, deadLettered: 0 })
    sentJobs.length = 0
  })

  it('records a Slack Approve under slack:<user id>, and the question it answers', async () => {
    const { questionId, escalationId } = await seedEscalation('May I keep a tortoise in the lobby?')
    const res = await postInteraction(
      withFields(approveClick, {
        'user.id': 'U0ADMIN001',
        'actions.0.action_id': 'escalation_approve',
        'actions.0.value': String(escalationId),
      }),
    )
    expect(res.status).toBe(200)
    expect(await decisionsOf(`escalation:${escalationId}`)).toMatchObject([
      {
        actor: 'slack:U0ADMIN001',
        action: 'decide',
        before: DRAFT,
        after: DRAFT,
        detail: { decision: 'approve', by: 'U0ADMIN001', questionId },
      },
    ])
    expect(await auditOf(`question:${questionId}`)).toMatchObject([
      { actor: 'slack:U0ASKER001', action: 'ask', detail: { channel: 'C0GENERAL1', trigger: 'mention' } },
    ])
  })

  it('records "Ask a human" under the asker, with the answer it hands over, and the bot’s own escalations under system', async () => {
    const svc = await openServices(testEnv)
    let questionId: number
    try {
      const ts = freshTs()
      questionId = (await recordQuestion(svc.db, `slack:T0POLICY01:C0GENERAL1:${ts}`, {
        place: { platform: 'slack', team: 'T0POLICY01', channel: 'C0GENERAL1', threadTs: ts },
        messageTs: ts,
        asker: 'U0ASKER001',
        text: 'May the lobby tortoise have a badge?',
        trigger: 'mention',
      })) as number
      await svc.db
        .update(questions)
        .set({ status: 'answered', mode: 'extractive', answer: 'Badges are for staff [1].' })
        .where(eq(questions.id, questionId))
    } finally {
      await svc.close()
    }
    // Someone else pressing the asker's button hands nothing over.
    for (const user of ['U0STRANGER', 'U0ASKER001'])
      await postInteraction(
        withFields(approveClick, {
          'user.id': user,
          'actions.0.action_id': 'answer_ask_human',
          'actions.0.value': String(questionId),
        }),
      )
    await drainJobs(5)
    const opened = (await consoleApi('/api/audit?action=escalate').then((r) => r.json())) as AuditJson[]
    expect(opened.filter((r) => r.detail.questionId === questionId)).toMatchObject([
      {
        actor: 'slack:U0ASKER001',
        action: 'escalate',
        before: null,
        after: 'Badges are for staff [1].',
        detail: { reason: 'asked', questionId },
      },
    ])
    const { escalationId } = await seedEscalation('May the tortoise vote?')
    expect(await auditOf(`escalation:${escalationId}`)).toMatchObject([
      { actor: 'system', action: 'escalate', after: DRAFT, detail: { reason: 'low_confidence' } },
    ])
  })

  it('records a Slack edit (modal submission) with the edited answer, once', async () => {
    const { escalationId } = await seedEscalation('May I paint the lobby tortoise blue?')
    const answer = 'No: animals in the lobby need Facilities’ approval.'
    const submit = () =>
      postInteraction(
        withFields(editSubmit, {
          'user.id': 'U0ADMIN002',
          'view.private_metadata': String(escalationId),
          'view.state.values.answer.answer.value': answer,
        }),
      )
    expect(await (await submit()).json()).toEqual({ response_action: 'clear' })
    // A second submission loses (already decided) and writes nothing.
    expect(await (await submit()).json()).toMatchObject({ response_action: 'errors' })
    expect(await decisionsOf(`escalation:${escalationId}`)).toMatchObject([
      { actor: 'slack:U0ADMIN002', before: DRAFT, after: answer, detail: { decision: 'edit' } },
    ])
  })

  it('records a Teams card decision under teams:<AAD object id>, not the display name', async () => {
    const connector = inject('botConnectorUrl')
    const bindings: Env = envWith({
      TEAMS_APP_ID: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      TEAMS_APP_PASSWORD: 'teams-app-password',
      TEAMS_APP_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      TEAMS_TENANTS: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      TEAMS_LOGIN_URL: connector,
      TEAMS_OPENID_METADATA: inject('teamsMetadataUrl'),
      TEAMS_SERVICE_URL: `${connector}/`,
      POLICY_ADMINS: `U0ADMIN001,${TEAMS_ADMIN}`,
    })
    const { escalationId } = await seedEscalation('May the lobby tortoise attend all-hands?')
    const res = await workerFetch(
      'https://bot.example.com/teams/messages',
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${inject('teamsTokens').good}`,
        },
        body: JSON.stringify({
          ...invoke,
          id: `audit-${Date.now()}`,
          serviceUrl: `${connector}/`,
          from: { id: `29:${TEAMS_ADMIN}`, name: 'Megan Bowen', aadObjectId: TEAMS_ADMIN },
          value: {
            action: {
              type: 'Action.Execute',
              verb: 'reject',
              data: { escalationId, reason: 'Not a policy.' },
            },
            trigger: 'manual',
          },
        }),
      },
      bindings,
    )
    expect(res.status).toBe(200)
    expect(await decisionsOf(`escalation:${escalationId}`)).toMatchObject([
      {
        actor: `teams:${TEAMS_ADMIN}`,
        before: DRAFT,
        after: null,
        detail: { decision: 'reject', by: `Megan Bowen (${TEAMS_ADMIN})`, reason: 'Not a policy.' },
      },
    ])
  })

  it('records a decision on the DingTalk approval page under dingtalk:<staff id>', async () => {
    const api = inject('dingtalkUrl')
    const CONSOLE = 'https://bot.example.com'
    const approvals: Env = envWith({
      DINGTALK_APP_KEY: 'dingappkey',
      DINGTALK_APP_SECRET: 'dingtalk-app-secret',
      DINGTALK_API_URL: api,
      DINGTALK_SESSION_ORIGIN: api,
      DINGTALK_ADMIN_CONVERSATION: 'cidAdminsGroup0001==',
      PUBLIC_URL: CONSOLE,
      POLICY_ADMINS: 'U0ADMIN001,boss001',
    })
    const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0] as string)
    const get = (path: string, cookie = '') =>
      workerFetch(`${CONSOLE}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' }, approvals)
    const { escalationId } = await seedEscalation('May the lobby tortoise have a desk?')
    const path = `/dingtalk/escalations/${escalationId}`
    // Sign in as DingTalk would send boss001 back (`code-<staff id>` on the local DingTalk).
    const first = await get(path)
    const state = new URL(first.headers.get('location') as string).searchParams.get('state') as string
    const back = await get(
      `/dingtalk/login?authCode=code-boss001&state=${encodeURIComponent(state)}`,
      cookiesOf(first).join('; '),
    )
    const session = cookiesOf(back).find((c) => c.startsWith('pb_dt_session=')) as string
    const token = /name="token" value="([^"]+)"/.exec(await (await get(path, session)).text())?.[1] as string
    const answer = 'Yes, a small one, by the window.'
    const done = await workerFetch(
      `${CONSOLE}${path}`,
      {
        method: 'POST',
        headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, action: 'approve', answer }).toString(),
      },
      approvals,
    )
    expect(done.status).toBe(200)
    expect(await decisionsOf(`escalation:${escalationId}`)).toMatchObject([
      {
        actor: 'dingtalk:boss001',
        before: DRAFT,
        after: answer,
        detail: { decision: 'edit', by: 'Nick boss001 (boss001)' },
      },
    ])
  })

  it('records a web console decision under web:<user>, and lists the log newest first for admins', async () => {
    const { escalationId } = await seedEscalation('May the lobby tortoise join the fire drill?')
    const decided = await consoleApi(`/api/escalations/${escalationId}/approve`, {
      method: 'POST',
      body: JSON.stringify({}),
    })
    expect(decided.status).toBe(200)
    expect(await decisionsOf(`escalation:${escalationId}`)).toMatchObject([
      { actor: 'web:web-admin', before: DRAFT, after: DRAFT, detail: { decision: 'approve' } },
    ])

    const latest = (await (await consoleApi('/api/audit?action=decide&limit=2')).json()) as AuditJson[]
    expect(latest).toHaveLength(2)
    expect(latest[0]?.subject).toBe(`escalation:${escalationId}`)
    expect(latest[0]?.id).toBeGreaterThan(latest[1]?.id as number)
    const web = (await (await consoleApi('/api/audit?actor=web')).json()) as AuditJson[]
    expect(web.every((r) => r.actor.startsWith('web:'))).toBe(true)
    const bad = await consoleApi('/api/audit?action=erase')
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /action must be one of/,
    )
    // Without credentials: nothing.
    expect((await workerFetch('http://127.0.0.1:8787/api/audit')).status).toBe(401)
  })
})

describe('the audit log of uploads', () => {
  it('records a handbook uploaded in a Slack DM under the uploader', async () => {
    const id = `F${freshTs().replace('.', '')}`
    const name = `audit-${id}.md`
    await fetch(`${inject('slackUrl')}/__files/${id}`, {
      method: 'PUT',
      body: '# Lobby animals\n\nTortoises need a permit from Facilities.',
    })
    const ts = freshTs()
    await postEvent(
      withFields(fileShare, {
        'event.ts': ts,
        'event.event_ts': ts,
        event_id: `Ev${ts}`,
        'event.files.0.id': id,
        'event.files.0.name': name,
        'event.files.0.size': 60,
        'event.files.0.url_private_download': `${inject('slackUrl')}/files/${id}`,
      }),
    )
    await drainJobs(5)
    expect(await auditOf(`document:upload:${name}`)).toMatchObject([
      {
        actor: 'slack:U0HR000001',
        action: 'upload',
        before: null,
        detail: { title: 'Lobby animals', version: 1 },
      },
    ])
    // Out of the shared index again, so other tests' answers do not meet it.
    const svc = await openServices(testEnv)
    try {
      expect(await deleteDocument(svc.db, 'upload', name)).toBe(true)
    } finally {
      await svc.close()
    }
  })
})
