/**
 * `npm run bench:faults`: delivery under the failures a company's chat platforms produce, on the
 * local stack (`policybot start`: wrangler dev, workerd, the local Queue and cron, the embedded
 * database, a runner that streams) against the local Slack, Bot Connector and DingTalk stand-ins.
 *
 * BENCH_QUESTIONS (default 540) questions arrive evenly over the three platforms during
 * BENCH_ARRIVAL_SECONDS (150), each in its own thread or chat. Every stand-in meets a fault on
 * BENCH_FAULT_SHARE (8 %) of the calls, chosen by BENCH_SEED: 429 with Retry-After (1–10 s), 500,
 * a connection held 20 s and dropped, a connection reset, or the platform's permanent refusal.
 * Slack is down entirely (503 on every call) for BENCH_OUTAGE_SECONDS (180) from 40 s, and the
 * Worker (workerd) is killed with SIGKILL at BENCH_KILL_AT (100 s), then started again. A webhook
 * that is not acknowledged is delivered again every second, as the platforms redeliver.
 *
 * Then it waits until every question is answered, escalated, or parked with its asker and every
 * admin place told (at most BENCH_DEADLINE_SECONDS, 900), and prints per platform: accepted,
 * answered exactly once, answered twice or more, escalated, parked and told, lost, calls above the
 * platform's documented rate limits, and the time from question to final answer.
 */
import { execSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signDingTalk } from '../../bots/dingtalk/verify'
import { signSlackRequest } from '../../bots/slack/verify'
import { startCommand } from '../../workers/cli/commands/start'
import { loadConfig } from '../../workers/cli/config'
import { openContext } from '../../workers/cli/context'
import { freePort } from '../../workers/cli/ports'
import { parkedJobs, questions } from '../../workers/db/schema'
import personal from '../fixtures/teams/message_personal.json'
import { startBotConnector } from '../helpers/bot-connector'
import { startBotFrameworkIdentity } from '../helpers/bot-framework'
import { createChaos, type FaultKind } from '../helpers/chaos'
import { startDingTalkApi } from '../helpers/dingtalk-api'
import { startFakeRunner } from '../helpers/fake-runner'
import type { RecordedRequest } from '../helpers/http-server'
import { type SlackCall, startSlackApi } from '../helpers/slack-api'
import { print, quantile } from './stats'

const N = Number(process.env.BENCH_QUESTIONS ?? 540)
const ARRIVAL_S = Number(process.env.BENCH_ARRIVAL_SECONDS ?? 150)
const SHARE = Number(process.env.BENCH_FAULT_SHARE ?? 0.08)
const SEED = Number(process.env.BENCH_SEED ?? 7)
const OUTAGE_AT_S = 40
const OUTAGE_S = Number(process.env.BENCH_OUTAGE_SECONDS ?? 180)
const KILL_AT_S = Number(process.env.BENCH_KILL_AT ?? 100)
const DEADLINE_S = Number(process.env.BENCH_DEADLINE_SECONDS ?? 900)

const SECRET = 'bench-signing-secret'
const TOKEN = 'xoxb-bench'
const APP_ID = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b'
const APP_PASSWORD = 'teams-app-password'
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
const DING_KEY = 'dingappkey'
const DING_SECRET = 'dingtalk-app-secret'
const SLACK_ADMINS = 'C0ADMINS01'
const TEAMS_ADMINS = '19:benchadmins@thread.tacv2'
const DING_ADMINS = 'cidBenchAdmins01=='
const ANSWER =
  'Full-time employees get 20 days of paid annual leave in their first two years and 25 days from their third year [1].'
const PHRASINGS = [
  'how many vacation days do I get after two years?',
  'How many days of annual leave do I get in my third year?',
  'how much paid annual leave do full-time employees get?',
]
const KINDS: FaultKind[] = ['ratelimit', 'server', 'timeout', 'reset', 'permanent']

type Platform = 'slack' | 'teams' | 'dingtalk'
interface Asked {
  i: number
  platform: Platform
  /** Slack thread ts, Teams conversation id, DingTalk staff id. */
  key: string
  sentAt: number
  accepted: boolean
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Calls that were the (limit+1)-th or later inside a `windowMs` window, per group. */
function overLimit<T>(
  calls: T[],
  at: (c: T) => number,
  group: (c: T) => string | undefined,
  limit: number,
  windowMs: number,
) {
  const byGroup = new Map<string, number[]>()
  for (const c of calls) {
    const g = group(c)
    if (g === undefined) continue
    const list = byGroup.get(g) ?? []
    list.push(at(c))
    byGroup.set(g, list)
  }
  let over = 0
  for (const times of byGroup.values()) {
    times.sort((a, b) => a - b)
    let start = 0
    for (let end = 0; end < times.length; end++) {
      while ((times[end] as number) - (times[start] as number) >= windowMs) start++
      if (end - start + 1 > limit) over++
    }
  }
  return over
}

async function main() {
  const t0 = Date.now()
  const dir = mkdtempSync(join(tmpdir(), 'policybot-bench-faults-'))
  const chaos = { slack: createChaos(), teams: createChaos(), dingtalk: createChaos() }
  const slack = await startSlackApi({ token: TOKEN, chaos: chaos.slack })
  const identity = await startBotFrameworkIdentity({ appId: APP_ID })
  const connector = await startBotConnector(APP_ID, APP_PASSWORD, chaos.teams)
  const dingtalk = await startDingTalkApi(DING_KEY, DING_SECRET, chaos.dingtalk)
  const runner = await startFakeRunner(ANSWER, 0)
  const port = await freePort()
  const env: Record<string, string> = {
    POLICYBOT_DATA: dir,
    PORT: String(port),
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_API_URL: `${slack.url}/api/`,
    SLACK_BOT_USER_ID: 'U0BOT00001',
    SLACK_ADMIN_CHANNEL: SLACK_ADMINS,
    TEAMS_APP_ID: APP_ID,
    TEAMS_APP_PASSWORD: APP_PASSWORD,
    TEAMS_APP_TENANT_ID: TENANT,
    TEAMS_TENANTS: TENANT,
    TEAMS_LOGIN_URL: connector.url,
    TEAMS_OPENID_METADATA: identity.url,
    TEAMS_SERVICE_URL: `${connector.url}/`,
    TEAMS_ADMIN_CONVERSATION: TEAMS_ADMINS,
    DINGTALK_APP_KEY: DING_KEY,
    DINGTALK_APP_SECRET: DING_SECRET,
    DINGTALK_API_URL: dingtalk.url,
    DINGTALK_SESSION_ORIGIN: dingtalk.url,
    DINGTALK_ADMIN_CONVERSATION: DING_ADMINS,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    POLICY_ADMINS: 'U0ADMIN001',
    RUNNER_URL: runner.url,
    // A killed Worker's questions are swept after a minute, and the cron ticks every 10 s here
    // (15 minutes and 30 minutes in production), so the run takes minutes, not an hour.
    SWEEP_AFTER_MINUTES: '1',
    POLICYBOT_CRON_SECONDS: '10',
  }
  const ctx = await openContext(loadConfig(env))
  const verbose = process.env.BENCH_VERBOSE === '1'
  const quiet = {
    result: () => {},
    progress: (m: string) => {
      if (verbose) process.stderr.write(`[stack ${((Date.now() - t0) / 1000).toFixed(1)}] ${m}\n`)
    },
  }
  let url = ''
  let stop: () => void = () => {}
  // (Wrapped: a promise resolved with a promise would wait for the stack to stop.)
  const launch = () =>
    new Promise<{ done: Promise<void> }>((resolve, reject) => {
      const running = startCommand(
        { ...ctx, config: { ...ctx.config, workerPort: Number(env.PORT) } },
        {
          env,
          out: quiet,
          stopped: new Promise<void>((r) => {
            stop = r
          }),
          onReady: (u) => {
            url = u
            resolve({ done: running })
          },
        },
      )
      running.catch(reject)
    })
  let running = (await launch()).done
  print(`Local stack ready in ${((Date.now() - t0) / 1000).toFixed(1)} s.`)

  const start = Date.now()
  const spec = (seed: number) => ({ seed, share: SHARE, kinds: KINDS, timeoutMs: 20_000, maxRetryAfter: 10 })
  chaos.slack.set({
    ...spec(SEED),
    permanent: { status: 200, json: { ok: false, error: 'channel_not_found' } },
    outages: [{ from: start + OUTAGE_AT_S * 1000, to: start + (OUTAGE_AT_S + OUTAGE_S) * 1000 }],
  })
  chaos.teams.set({
    ...spec(SEED + 1),
    permanent: {
      status: 403,
      json: {
        error: {
          code: 'BotNotInConversationRoster',
          message: 'The bot is not part of the conversation roster.',
        },
      },
    },
  })
  chaos.dingtalk.set({
    ...spec(SEED + 2),
    permanent: { status: 400, json: { code: 'invalidParameter.robotCode', message: '机器人不存在' } },
  })

  // The Worker is killed once, mid-run, and started again on the same data.
  let killedAt = 0
  let restartedAt = 0
  const killer = (async () => {
    if (KILL_AT_S <= 0) return
    await sleep(KILL_AT_S * 1000)
    // wrangler dev's process group: the Worker (workerd) and wrangler, without warning.
    const pid = Number(
      execSync(`pgrep -f -o 'wrangler.js dev --ip 127.0.0.1 --port ${env.PORT} '`).toString().trim(),
    )
    killedAt = Date.now()
    process.kill(-pid, 'SIGKILL')
    await running.catch(() => {})
    // The platforms keep sending to the same public URL; locally the new stack takes a new port.
    env.PORT = String(await freePort())
    running = (await launch()).done
    restartedAt = Date.now()
  })()

  // Webhooks, delivered again every second until acknowledged (as the platforms redeliver).
  const deliver = async (send: () => Promise<Response>): Promise<boolean> => {
    for (let attempt = 0; attempt < 180; attempt++) {
      try {
        const res = await send()
        await res.arrayBuffer()
        if (res.status === 200) return true
      } catch {}
      await sleep(1000)
    }
    return false
  }
  const askSlack = async (i: number, text: string, a: Asked) => {
    const channel = `C0BENCH${String(i % 10).padStart(3, '0')}`
    const body = JSON.stringify({
      type: 'event_callback',
      team_id: 'T0POLICY01',
      api_app_id: 'A0POLICY01',
      event_id: `EvFault${i}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: 'T0POLICY01', user_id: 'U0BOT00001', is_bot: true }],
      event: {
        type: 'app_mention',
        user: `U0ASK${i}`,
        text: `<@U0BOT00001> ${text}`,
        ts: a.key,
        channel,
        event_ts: a.key,
      },
    })
    return deliver(async () => {
      const now = Math.floor(Date.now() / 1000)
      return fetch(`${url}slack/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': String(now),
          'x-slack-signature': await signSlackRequest(SECRET, now, body),
        },
        body,
      })
    })
  }
  const askTeams = async (i: number, text: string, a: Asked) => {
    const body = JSON.stringify({
      ...personal,
      id: `bench${i}`,
      text,
      timestamp: new Date().toISOString(),
      serviceUrl: `${connector.url}/`,
      from: { id: `29:bench-${i}`, name: `Bench ${i}`, aadObjectId: `bench-aad-${i}` },
      conversation: { ...personal.conversation, id: a.key },
    })
    return deliver(() =>
      fetch(`${url}teams/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${identity.token({ serviceurl: `${connector.url}/` })}`,
        },
        body,
      }),
    )
  }
  const askDingTalk = async (i: number, text: string, a: Asked) => {
    const body = JSON.stringify({
      conversationId: `cidBench${i}==`,
      chatbotCorpId: 'ding9f50b15bccd16741',
      chatbotUserId: '$:LWCP_v1:$bench',
      msgId: `msgBench${i}`,
      senderNick: `Bench ${i}`,
      isAdmin: false,
      senderStaffId: a.key,
      sessionWebhookExpiredTime: Date.now() + 90 * 60_000,
      createAt: Date.now(),
      senderCorpId: 'ding9f50b15bccd16741',
      conversationType: '1',
      senderId: `$:LWCP_v1:$bench${i}`,
      sessionWebhook: `${dingtalk.url}/robot/sendBySession?session=bench-${i}`,
      text: { content: text },
      robotCode: DING_KEY,
      msgtype: 'text',
    })
    return deliver(async () => {
      const timestamp = String(Date.now())
      return fetch(`${url}dingtalk/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          timestamp,
          sign: await signDingTalk(DING_SECRET, timestamp),
        },
        body,
      })
    })
  }

  const asked: Asked[] = []
  const platforms: Platform[] = ['slack', 'teams', 'dingtalk']
  const arrivals: Promise<void>[] = []
  for (let i = 0; i < N; i++) {
    const due = start + (i * ARRIVAL_S * 1000) / N
    await sleep(Math.max(0, due - Date.now()))
    const platform = platforms[i % 3] as Platform
    const key =
      platform === 'slack'
        ? `1764400000.${String(i).padStart(6, '0')}`
        : platform === 'teams'
          ? `a:bench-${i}`
          : `staff${i}`
    const a: Asked = { i, platform, key, sentAt: Date.now(), accepted: false }
    asked.push(a)
    const text = PHRASINGS[i % PHRASINGS.length] as string
    const ask = platform === 'slack' ? askSlack : platform === 'teams' ? askTeams : askDingTalk
    arrivals.push(
      ask(i, text, a).then((ok) => {
        a.accepted = ok
      }),
    )
  }
  await Promise.all(arrivals)
  await killer
  print(
    `${N} questions sent in ${((Date.now() - start) / 1000).toFixed(0)} s; Slack down from ${OUTAGE_AT_S} s to ${OUTAGE_AT_S + OUTAGE_S} s; Worker killed at ${((killedAt - start) / 1000).toFixed(0)} s, serving again at ${((restartedAt - start) / 1000).toFixed(0)} s.`,
  )

  // Wait until every question is settled in the ledger (answered, escalated, or parked and told).
  const db = ctx.database.db
  const settled = async () => {
    const rows = await db.select().from(questions)
    const parked = await db.select().from(parkedJobs)
    const told = new Set(
      parked
        .filter((p) => p.askerToldAt && p.adminsToldAt)
        .map((p) => (p.body as { questionId?: number }).questionId),
    )
    const open = rows.filter(
      (q) =>
        !(q.status === 'answered' || q.status === 'escalated' || (q.status === 'failed' && told.has(q.id))),
    )
    return { rows, parked, told, open }
  }
  let state = await settled()
  while (
    (state.open.length > 0 || state.rows.length < asked.filter((a) => a.accepted).length) &&
    Date.now() - start < DEADLINE_S * 1000
  ) {
    await sleep(5000)
    state = await settled()
  }
  const settledAt = Date.now()
  // Late duplicates would show up here: a few more seconds of listening.
  await sleep(5000)

  // --- What each platform received, per question.
  const okSlack = (c: SlackCall) => c.response?.ok === true
  const okHttp = (r: RecordedRequest) => (r.response?.status ?? 0) >= 200 && (r.response?.status ?? 0) < 300
  const results = new Map<
    Asked,
    { answers: Set<string>; firstAt?: number; holding: boolean; parkedTold: boolean }
  >()
  for (const a of asked) results.set(a, { answers: new Set(), holding: false, parkedTold: false })
  const byKey = new Map(asked.map((a) => [`${a.platform}:${a.key}`, a]))
  const note = (a: Asked | undefined, id: string, at: number, kind: 'answer' | 'holding' | 'parked') => {
    const r = a && results.get(a)
    if (!r) return
    if (kind === 'answer') {
      r.answers.add(id)
      r.firstAt = Math.min(r.firstAt ?? at, at)
    } else if (kind === 'holding') r.holding = true
    else r.parkedTold = true
  }
  const textOf = (b: Record<string, unknown>) => `${String(b.text ?? '')} ${String(b.markdown_text ?? '')}`
  // Slack: a message id belongs to the thread it was posted in (postMessage, startStream).
  const threadOfTs = new Map<string, string>()
  for (const c of slack.calls)
    if (
      okSlack(c) &&
      (c.method === 'chat.postMessage' || c.method === 'chat.startStream') &&
      typeof c.response?.ts === 'string'
    )
      threadOfTs.set(c.response.ts as string, String(c.body.thread_ts))
  for (const c of slack.calls) {
    if (!okSlack(c)) continue
    const thread =
      c.method === 'chat.postMessage' ? String(c.body.thread_ts) : threadOfTs.get(String(c.body.ts))
    const a = byKey.get(`slack:${thread}`)
    const id = c.method === 'chat.postMessage' ? String(c.response?.ts) : String(c.body.ts)
    if (
      ['chat.postMessage', 'chat.update', 'chat.stopStream'].includes(c.method) &&
      JSON.stringify(c.body.blocks ?? '').includes('feedback_buttons')
    )
      note(a, id, c.at, 'answer')
    if (/asked the policy team/.test(textOf(c.body))) note(a, id, c.at, 'holding')
    if (/policy team has been told/.test(textOf(c.body))) note(a, id, c.at, 'parked')
  }
  // Teams: POST creates a message (its id comes back), PUT replaces one.
  for (const r of connector.requests) {
    const m = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(r.path)
    if (!m || !okHttp(r)) continue
    const a = byKey.get(`teams:${decodeURIComponent(m[1] as string)}`)
    const body = (r.body ?? {}) as Record<string, unknown>
    const id =
      r.method === 'PUT'
        ? decodeURIComponent(m[2] as string)
        : String((r.response?.json as { id?: string })?.id)
    if (body.type === 'message' && JSON.stringify(body).includes('"askHuman"')) note(a, id, r.at, 'answer')
    if (/asked the policy team/.test(JSON.stringify(body))) note(a, id, r.at, 'holding')
    if (/policy team has been told/.test(JSON.stringify(body))) note(a, id, r.at, 'parked')
  }
  // DingTalk: every send is its own message (no edits).
  dingtalk.requests.forEach((r, n) => {
    if (!okHttp(r)) return
    const body = (r.body ?? {}) as Record<string, unknown>
    let staff: string | undefined
    const session = /[?&]session=bench-(\d+)/.exec(r.path)
    if (session) staff = `staff${session[1]}`
    else if (Array.isArray(body.userIds)) staff = String(body.userIds[0])
    if (!staff) return
    if (session && (r.response?.json as { errcode?: number })?.errcode !== 0) return
    const text = JSON.stringify(body)
    const a = byKey.get(`dingtalk:${staff}`)
    if (/\*\*Sources\*\*|\*\*来源\*\*/.test(text)) note(a, `msg${n}`, r.at, 'answer')
    if (/asked the policy team/.test(text)) note(a, `msg${n}`, r.at, 'holding')
    if (/policy team has been told/.test(text)) note(a, `msg${n}`, r.at, 'parked')
  })

  // Parked questions: told when the ledger says the asker and every admin place were.
  const questionIdOf = new Map<Asked, number>()
  for (const q of state.rows) {
    const m = /(\d+)$/.exec(q.asker)
    const a = m ? asked[Number(m[1])] : undefined
    if (a) questionIdOf.set(a, q.id)
  }

  // --- Rate limits as documented (calls made, whatever the answer).
  const minute = 60_000
  const slackRules = {
    'chat.startStream >20/min': overLimit(
      slack.calls,
      (c) => c.at,
      (c) => (c.method === 'chat.startStream' ? 'x' : undefined),
      20,
      minute,
    ),
    'chat.appendStream >100/min': overLimit(
      slack.calls,
      (c) => c.at,
      (c) => (c.method === 'chat.appendStream' ? 'x' : undefined),
      100,
      minute,
    ),
    'chat.update >50/min': overLimit(
      slack.calls,
      (c) => c.at,
      (c) => (c.method === 'chat.update' ? 'x' : undefined),
      50,
      minute,
    ),
    // "about one message per second per channel, with short bursts": at most 60 a minute.
    'chat.postMessage >60/min in a channel': overLimit(
      slack.calls,
      (c) => c.at,
      (c) => (c.method === 'chat.postMessage' ? String(c.body.channel) : undefined),
      60,
      minute,
    ),
  }
  const slackOver = Object.values(slackRules).reduce((x, y) => x + y, 0)
  const teamsConversation = (r: RecordedRequest) =>
    /^\/v3\/conversations\/([^/]+)\/activities/.exec(r.path)?.[1]
  const teamsOver =
    overLimit(connector.requests, (r) => r.at, teamsConversation, 7, 1000) +
    overLimit(connector.requests, (r) => r.at, teamsConversation, 60, 30_000)
  const dingConversation = (r: RecordedRequest) => {
    const b = (r.body ?? {}) as Record<string, unknown>
    const s = /[?&]session=([^&]+)/.exec(r.path)?.[1]
    return (
      s ??
      (typeof b.openConversationId === 'string'
        ? b.openConversationId
        : Array.isArray(b.userIds)
          ? String(b.userIds[0])
          : undefined)
    )
  }
  // Robot messages: at most 20 a minute into one conversation.
  const dingOver = overLimit(dingtalk.requests, (r) => r.at, dingConversation, 20, minute)
  const over: Record<Platform, number> = { slack: slackOver, teams: teamsOver, dingtalk: dingOver }

  print()
  print(
    `| platform | accepted | answered once | answered twice+ | escalated | parked, asker and admins told | lost | calls over rate limit | p50 s | p99 s |`,
  )
  print('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
  const lostList: string[] = []
  for (const p of platforms) {
    const mine = asked.filter((a) => a.platform === p)
    const accepted = mine.filter((a) => a.accepted)
    let once = 0
    let twice = 0
    let escalated = 0
    let parkedTold = 0
    let lost = 0
    const times: number[] = []
    for (const a of accepted) {
      const r = results.get(a)
      if (!r) continue
      const id = questionIdOf.get(a)
      const parked = id !== undefined && state.told.has(id)
      if (r.answers.size === 1) once++
      else if (r.answers.size > 1) twice++
      else if (r.holding) escalated++
      else if (parked && r.parkedTold) parkedTold++
      else {
        lost++
        lostList.push(
          `${p} #${a.i} (${a.key}): question ${id ?? '?'} ${state.rows.find((q) => q.id === id)?.status ?? 'not recorded'}`,
        )
      }
      if (r.firstAt !== undefined) times.push((r.firstAt - a.sentAt) / 1000)
    }
    print(
      `| ${p} | ${accepted.length}/${mine.length} | ${once} | ${twice} | ${escalated} | ${parkedTold} | ${lost} | ${over[p]} | ${quantile(times, 0.5).toFixed(1)} | ${quantile(times, 0.99).toFixed(1)} |`,
    )
  }
  print()
  const tally = (c: ReturnType<typeof createChaos>) =>
    Object.entries(c.tally)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
  print(
    `Faults played: Slack ${slack.calls.length} calls (${tally(chaos.slack)}); Bot Connector ${connector.requests.length} (${tally(chaos.teams)}); DingTalk ${dingtalk.requests.length} (${tally(chaos.dingtalk)}).`,
  )
  print(
    `Slack calls over a documented limit, by rule: ${Object.entries(slackRules)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}.`,
  )
  print(
    `Settled ${((settledAt - start) / 1000).toFixed(0)} s after the first question; parked jobs: ${state.parked.length}.`,
  )
  for (const l of lostList.slice(0, 20)) print(`  lost: ${l}`)
  if (verbose) {
    const starts = slack.calls
      .filter((c) => c.method === 'chat.startStream')
      .map((c) => Math.floor((c.at - start) / 10_000) * 10)
    const buckets = new Map<number, number>()
    for (const b of starts) buckets.set(b, (buckets.get(b) ?? 0) + 1)
    print(
      `  chat.startStream per 10 s from the start: ${[...buckets].map(([k, v]) => `${k}s:${v}`).join(' ')}`,
    )
  }
  if (verbose)
    for (const a of asked)
      print(
        `  #${a.i} ${a.platform} sent ${((a.sentAt - start) / 1000).toFixed(1)} s, answered ${[...(results.get(a)?.answers ?? [])].length}× first at ${(((results.get(a)?.firstAt ?? Number.NaN) - start) / 1000).toFixed(1)} s`,
      )

  stop()
  await running.catch(() => {})
  await ctx.close()
  await Promise.all([slack.close(), identity.close(), connector.close(), dingtalk.close(), runner.close()])
  rmSync(dir, { recursive: true, force: true })
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
