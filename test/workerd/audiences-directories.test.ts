import { desc, eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { signDingTalk } from '../../bots/dingtalk/verify'
import { questions } from '../../workers/db/schema'
import type { Env } from '../../workers/env'
import { openServices } from '../../workers/services'
import dingOneOnOne from '../fixtures/dingtalk/text_1on1.json'
import dingGroup from '../fixtures/dingtalk/text_group.json'
import teamsChannel from '../fixtures/teams/message_channel_mention.json'
import teamsPersonal from '../fixtures/teams/message_personal.json'
import type { ConnectorCall } from '../helpers/bot-connector'
import type { DingTalkCall } from '../helpers/dingtalk-api'
import { drainJobs, envWith, workerFetch } from './slack'

/**
 * Restricted documents on Teams and DingTalk, where membership lives in the platform's directory:
 * Entra ID groups read with Graph's checkMemberGroups (nested groups count), DingTalk departments
 * with listparentbyuser (a sub-department counts as its parent). The local stand-ins hold the
 * directory and record the exact requests.
 */
const QUESTION = 'How many requisitions can a team lead open per quarter without finance approval?'
const MANAGERS_GROUP = 'd1e2f3a4-0000-4000-8000-0000000000b1'
const TEAMS_MANAGER = 'b5a1c2d3-0000-4000-8000-00000000aaa1'
const TEAMS_EMPLOYEE = 'b5a1c2d3-0000-4000-8000-00000000aaa2'
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const connector = inject('botConnectorUrl')
const dingtalk = inject('dingtalkUrl')
const tokens = inject('teamsTokens')
const AUDIENCES = `managers = teams:group:${MANAGERS_GROUP} dingtalk:dept:4021`

const bindings: Env = envWith({
  AUDIENCES,
  TEAMS_APP_ID: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
  TEAMS_APP_PASSWORD: 'teams-app-password',
  TEAMS_APP_TENANT_ID: TENANT,
  TEAMS_LOGIN_URL: connector,
  TEAMS_GRAPH_URL: connector,
  TEAMS_OPENID_METADATA: inject('teamsMetadataUrl'),
  TEAMS_SERVICE_URL: `${connector}/`,
  DINGTALK_APP_KEY: 'dingappkey',
  DINGTALK_APP_SECRET: 'dingtalk-app-secret',
  DINGTALK_API_URL: dingtalk,
  DINGTALK_SESSION_ORIGIN: dingtalk,
})

/** The latest question of an asker on the ledger, after its jobs ran. */
async function lastQuestionOf(asker: string) {
  await drainJobs(5, bindings)
  const svc = await openServices(bindings)
  try {
    const [row] = await svc.db
      .select()
      .from(questions)
      .where(eq(questions.asker, asker))
      .orderBy(desc(questions.id))
      .limit(1)
    return row
  } finally {
    await svc.close()
  }
}
const cites = (row: { citations: unknown } | undefined) => JSON.stringify(row?.citations ?? [])

let n = 0
async function askTeams(fixture: typeof teamsPersonal | typeof teamsChannel, aad: string) {
  n++
  const body = {
    ...fixture,
    id: `${Date.now()}${n}`,
    serviceUrl: `${connector}/`,
    text: fixture === teamsChannel ? `<at>Policybot</at> ${QUESTION}` : QUESTION,
    from: { ...fixture.from, id: `29:user-${aad}`, aadObjectId: aad },
  }
  const res = await workerFetch(
    'https://bot.example.com/teams/messages',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.good}` },
      body: JSON.stringify(body),
    },
    bindings,
  )
  expect(res.status).toBe(200)
  return lastQuestionOf(aad)
}

async function askDingTalk(fixture: typeof dingOneOnOne | typeof dingGroup, staffId: string) {
  n++
  const body = {
    ...fixture,
    msgId: `msg-aud-${Date.now()}-${n}`,
    senderStaffId: staffId,
    sessionWebhook: `${dingtalk}/robot/sendBySession?session=aud-${n}`,
    sessionWebhookExpiredTime: Date.now() + 60 * 60_000,
    text: { content: QUESTION },
  }
  const timestamp = String(Date.now())
  const res = await workerFetch(
    'https://bot.example.com/dingtalk/events',
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        timestamp,
        sign: await signDingTalk('dingtalk-app-secret', timestamp),
      },
      body: JSON.stringify(body),
    },
    bindings,
  )
  expect(res.status).toBe(200)
  return lastQuestionOf(staffId)
}

describe('restricted documents on Teams (Entra ID groups through Graph)', () => {
  it('answers a member of the AAD group in a 1:1 chat from the managers’ page, and asks Graph as documented', async () => {
    const before = ((await (await fetch(`${connector}/__requests`)).json()) as ConnectorCall[]).length
    const row = await askTeams(teamsPersonal, TEAMS_MANAGER)
    expect(row?.status).toBe('answered')
    expect(cites(row)).toContain('managers/hiring.md')
    const sent = ((await (await fetch(`${connector}/__requests`)).json()) as ConnectorCall[]).slice(before)
    const graph = sent.filter((c) => c.path.endsWith('/checkMemberGroups'))
    expect(graph).toHaveLength(1)
    expect(graph[0]).toMatchObject({
      method: 'POST',
      path: `/v1.0/users/${TEAMS_MANAGER}/checkMemberGroups`,
      body: { groupIds: [MANAGERS_GROUP] },
    })
    expect(String(graph[0]?.headers.authorization)).toMatch(/^Bearer graph-token-/)
    const graphToken = sent.find(
      (c) =>
        c.path === `/${TENANT}/oauth2/v2.0/token` && (c.body as { scope?: string }).scope?.includes('graph'),
    )
    expect(graphToken?.body).toMatchObject({
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
    })
  })

  it('does not answer an employee outside the group from it, nor a manager in a channel', async () => {
    const employee = await askTeams(teamsPersonal, TEAMS_EMPLOYEE)
    expect(employee?.status).toMatch(/answered|escalated/)
    expect(cites(employee)).not.toContain('managers/hiring.md')
    const inChannel = await askTeams(teamsChannel, TEAMS_MANAGER)
    expect(inChannel?.status).toMatch(/answered|escalated/)
    expect(cites(inChannel)).not.toContain('managers/hiring.md')
  })
})

describe('restricted documents on DingTalk (departments, with the departments above)', () => {
  it('answers someone in a sub-department of the managers’ department in a 1:1 chat, asking listparentbyuser', async () => {
    const before = ((await (await fetch(`${dingtalk}/__requests`)).json()) as DingTalkCall[]).length
    const row = await askDingTalk(dingOneOnOne, 'mgr-shanghai')
    expect(row?.status).toBe('answered')
    expect(cites(row)).toContain('managers/hiring.md')
    const sent = ((await (await fetch(`${dingtalk}/__requests`)).json()) as DingTalkCall[]).slice(before)
    const lookup = sent.filter((c) => c.path.startsWith('/topapi/v2/department/listparentbyuser?'))
    expect(lookup).toHaveLength(1)
    expect(lookup[0]?.body).toEqual({ userid: 'mgr-shanghai' })
    expect(lookup[0]?.path).toMatch(/access_token=access-token-/)
  })

  it('does not answer staff of another department, someone the directory does not know, or a group chat from it', async () => {
    for (const [fixture, staff] of [
      [dingOneOnOne, 'staff-shanghai'],
      [dingOneOnOne, 'unknown-staff'],
      [dingGroup, 'mgr-shanghai'],
    ] as const) {
      const row = await askDingTalk(fixture, staff)
      expect(row?.status, staff).toMatch(/answered|escalated/)
      expect(cites(row), staff).not.toContain('managers/hiring.md')
    }
  })
})
