/**
 * `npm run bench:slack`: the Slack front door on the local stack (`policybot start`: wrangler dev,
 * workerd, the local Queue, the embedded database behind the local endpoint, the sample handbook).
 *
 * 1. Ack latency of POST /slack/events over BENCH_EVENTS (default 1000) signed `app_mention`
 *    events, BENCH_CONCURRENCY (default 8) at a time, against GET /healthz in the same run (the
 *    HTTP round trip to workerd alone). Slack's limit is 3 s; the aim is under 50 ms p99.
 *    While they are acknowledged, the queue consumer answers them on the same two cores and the
 *    same single-threaded embedded database, so a second row acknowledges retries of the same
 *    posts with the consumer idle.
 * 2. Question → answer time (extractive, so no generation): from the POST to the answer's
 *    chat.postMessage arriving at the local Slack API, for BENCH_QUESTIONS (default 50)
 *    questions asked one at a time, and the time for the whole backlog of step 1 to be answered.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { signSlackRequest } from '../../bots/slack/verify'
import { startCommand } from '../../workers/cli/commands/start'
import { loadConfig } from '../../workers/cli/config'
import { openContext } from '../../workers/cli/context'
import { freePort } from '../../workers/cli/ports'
import { startSlackApi } from '../helpers/slack-api'
import { print, quantile } from './stats'

/** Runs `requests` from the load-client thread, CONCURRENCY at a time; [health checks, posts] in ms. */
async function load(url: string, requests: object[], all = false): Promise<[number[], number[]]> {
  const worker = new Worker(new URL('./load-client.ts', import.meta.url), {
    workerData: { url, concurrency: CONCURRENCY, requests },
  })
  const { ms, status } = await new Promise<{ ms: number[]; status: number[] }>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  await worker.terminate()
  const bad = status.filter((s) => s !== 200)
  if (bad.length) throw new Error(`${bad.length} requests failed (status ${bad[0]})`)
  if (all) return [[], ms]
  return [ms.filter((_, i) => i % 2 === 0), ms.filter((_, i) => i % 2 === 1)]
}

/** CPU milliseconds used so far by the workerd processes and by this process (all its threads). */
function cpuNow(): { workerd: number; self: number } {
  let workerd = 0
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      if (!stat.includes('(workerd)')) continue
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      workerd += ((Number(f[11]) + Number(f[12])) * 1000) / 100 // utime + stime, in clock ticks (USER_HZ 100)
    } catch {
      // the process ended between the listing and the read
    }
  }
  const self = process.cpuUsage()
  return { workerd, self: (self.user + self.system) / 1000 }
}

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const QUESTIONS = Number(process.env.BENCH_QUESTIONS ?? 50)
const SECRET = 'bench-secret'
const row = (name: string, xs: number[]) =>
  `| ${name.padEnd(38)} | ${String(xs.length).padStart(5)} | ${quantile(xs, 0.5).toFixed(1).padStart(7)} | ${quantile(xs, 0.99).toFixed(1).padStart(7)} | ${Math.max(
    ...xs,
  )
    .toFixed(1)
    .padStart(7)} |`

const QUESTION_TEXTS = [
  'How many days of annual leave do Berlin employees get?',
  'What are our core hours?',
  'How long does a Performance Improvement Plan last?',
  'What is the annual learning budget in Seattle?',
  'When are Seattle employees paid?',
  'How many paid learning days do I get per year?',
]

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-bench-slack-'))
  const slack = await startSlackApi({ token: 'xoxb-bench' })
  const env = {
    POLICYBOT_DATA: dir,
    PORT: String(await freePort()),
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_API_URL: `${slack.url}/api/`,
    SLACK_BOT_USER_ID: 'U0BOT00001',
    // One synthetic asker and workspace send everything: the question rate limits would answer
    // most of it with "please wait", which is not what this measures.
    QUESTIONS_PER_USER_PER_MINUTE: '1000000',
    QUESTIONS_PER_WORKSPACE_PER_MINUTE: '1000000',
    // `off` measures the WebSocket-only driver (every statement over a socket) for comparison.
    ...(process.env.POLICYBOT_NEON_HTTP ? { POLICYBOT_NEON_HTTP: process.env.POLICYBOT_NEON_HTTP } : {}),
  }
  const ctx = await openContext(loadConfig(env))
  let stop: () => void = () => {}
  let url = ''
  const quiet = { result: () => {}, progress: () => {} }
  const ready = new Promise<void>((resolve, reject) => {
    startCommand(ctx, {
      env,
      out: quiet,
      stopped: new Promise<void>((r) => {
        stop = r
      }),
      onReady: (u) => {
        url = u
        resolve()
      },
    }).catch(reject)
  })
  const t0 = performance.now()
  await ready
  print(`Local stack ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (sample handbook ingested).`)

  let seq = 0
  const event = (text: string) => {
    seq++
    const ts = `1764300000.${String(seq).padStart(6, '0')}`
    return {
      ts,
      body: JSON.stringify({
        type: 'event_callback',
        team_id: 'T0POLICY01',
        api_app_id: 'A0POLICY01',
        event_id: `EvBench${seq}`,
        event_time: 1764300000,
        authorizations: [{ team_id: 'T0POLICY01', user_id: 'U0BOT00001', is_bot: true }],
        event: {
          type: 'app_mention',
          user: 'U0ASKER001',
          text: `<@U0BOT00001> ${text}`,
          ts,
          channel: 'C0BENCH001',
          event_ts: ts,
        },
      }),
    }
  }
  const signed = async (body: string) => {
    const now = Math.floor(Date.now() / 1000)
    return {
      path: 'slack/events',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(now),
        'x-slack-signature': await signSlackRequest(SECRET, now, body),
      },
      body,
    }
  }
  const post = async (body: string) => {
    const started = performance.now()
    const r = await signed(body)
    const res = await fetch(`${url}${r.path}`, r)
    await res.arrayBuffer()
    if (res.status !== 200) throw new Error(`ack ${res.status}`)
    return performance.now() - started
  }
  const answered = (ts: string) =>
    slack.calls.some((c) => c.method === 'chat.postMessage' && c.body.thread_ts === ts)

  // Warm-up (first requests compile the Worker's modules).
  for (let i = 0; i < 5; i++) await fetch(`${url}healthz`).then((r) => r.arrayBuffer())

  // 1. Ack latency, a health check before each post as the baseline in the same run. The client
  // runs on its own thread (test/bench/load-client.ts): this thread hosts the database.
  const sentTs: string[] = []
  const sentBodies: string[] = []
  const burst = []
  for (let i = 0; i < EVENTS; i++) {
    const e = event(QUESTION_TEXTS[i % QUESTION_TEXTS.length] as string)
    sentTs.push(e.ts)
    sentBodies.push(e.body)
    burst.push({ path: 'healthz' }, await signed(e.body))
  }
  const burstStart = performance.now()
  const [health, acks] = await load(url, burst)
  const burstSeconds = (performance.now() - burstStart) / 1000
  // …and the backlog those events left, answered by the queue consumer.
  while (!sentTs.every(answered)) await new Promise((r) => setTimeout(r, 100))
  const backlogSeconds = (performance.now() - burstStart) / 1000

  // 1b. The same acknowledgement path with the consumer idle: Slack's retries of posts already
  // recorded (verify, parse, the one recording statement, no job).
  const again = []
  for (const body of sentBodies.slice(0, Math.min(EVENTS, 500)))
    again.push({ path: 'healthz' }, await signed(body))
  const [idleHealth, retries] = await load(url, again)

  // 1c. Where the time goes: the health check alone, then the retries alone, with the CPU each
  // request cost the Worker's processes (workerd) and this one (the database and the client).
  const cpuRows: string[] = []
  for (const [name, requests] of [
    ['GET /healthz alone', again.filter((_, i) => i % 2 === 0)],
    ['ack of a Slack retry alone', again.filter((_, i) => i % 2 === 1)],
  ] as const) {
    const before = cpuNow()
    const [, ms] = await load(url, requests, true)
    const after = cpuNow()
    const per = (k: 'workerd' | 'self') => ((after[k] - before[k]) / requests.length).toFixed(2)
    cpuRows.push(
      `| ${name.padEnd(27)} | ${quantile(ms, 0.5).toFixed(1).padStart(5)} | ${quantile(ms, 0.99).toFixed(1).padStart(5)} | ${per('workerd').padStart(7)} | ${per('self').padStart(12)} |`,
    )
  }

  // 2. Question → answer, one at a time on an idle stack.
  const e2e: number[] = []
  for (let i = 0; i < QUESTIONS; i++) {
    const e = event(QUESTION_TEXTS[i % QUESTION_TEXTS.length] as string)
    const started = performance.now()
    await post(e.body)
    while (!answered(e.ts)) await new Promise((r) => setTimeout(r, 2))
    e2e.push(performance.now() - started)
  }

  print()
  print(
    `| ms (${CONCURRENCY} concurrent, wrangler dev on this machine) | n     | p50     | p99     | max     |`,
  )
  print('| -------------------------------------- | ----- | ------- | ------- | ------- |')
  print(row('GET /healthz (baseline round trip)', health))
  print(row('POST /slack/events ack (signed mention)', acks))
  print(row('GET /healthz (consumer idle)', idleHealth))
  print(row('ack of a Slack retry (consumer idle)', retries))
  print(row('question → answer posted (extractive)', e2e))
  print()
  print('| ms, 8 concurrent, consumer idle | p50   | p99   | CPU ms/request: workerd | this process |')
  print('| --------------------------- | ----- | ----- | ------- | ------------ |')
  for (const r of cpuRows) print(r)
  print()
  print(
    `${EVENTS} events acknowledged in ${burstSeconds.toFixed(1)} s (${(EVENTS / burstSeconds).toFixed(0)}/s); all ${EVENTS} answered ${backlogSeconds.toFixed(1)} s after the first (${(EVENTS / backlogSeconds).toFixed(1)} answers/s).`,
  )
  print(`Slack calls recorded: ${slack.calls.length}; failed acks: 0.`)

  stop()
  await new Promise((r) => setTimeout(r, 500))
  await ctx.close()
  await slack.close()
  rmSync(dir, { recursive: true, force: true })
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
