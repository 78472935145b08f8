import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test'
import { inject } from 'vitest'
import { signSlackRequest } from '../../bots/slack/verify'
import type { Env } from '../../workers/env'
import worker from '../../workers/index'
import { MAX_ATTEMPTS } from '../../workers/jobs/retry'
import type { Job } from '../../workers/jobs/types'
import appMention from '../fixtures/slack/app_mention.json'
import type { SlackCall } from '../helpers/slack-api'

/**
 * The Worker under test, in workerd, with its JOBS queue producer captured: the test then runs
 * the Worker's own queue consumer over the captured jobs (`drainJobs`), as Cloudflare Queues
 * would, honouring retries. Tests decide when jobs run and can count them exactly instead of
 * polling the local broker's timers; delivery through the real local queue is exercised by the
 * local stack's test (wrangler dev).
 */
export const sentJobs: Job[] = []
export const testEnv = {
  ...(env as unknown as Env),
  JOBS: {
    send: async (body: Job) => {
      sentJobs.push(structuredClone(body))
    },
    sendBatch: async (batch: Iterable<{ body: Job }>) => {
      for (const m of batch) sentJobs.push(structuredClone(m.body))
    },
  },
} as unknown as Env

/** The test bindings with some variables changed (e.g. a runner for generated answers). */
export function envWith(vars: Partial<Record<keyof Env, string>>): Env {
  return { ...testEnv, ...vars } as Env
}

/** Fetches from the Worker with the test bindings, waiting for its waitUntil work. */
export async function workerFetch(
  input: string,
  init?: RequestInit,
  bindings: Env = testEnv,
): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(input, init) as never, bindings, ctx)
  await waitOnExecutionContext(ctx)
  return res as unknown as Response
}

/**
 * Delivers every queued job to the Worker's queue consumer, one batch per job as wrangler.toml
 * configures, until none is left (jobs may enqueue more). Retried messages are redelivered with
 * their attempt count; after `maxAttempts` (wrangler.toml: max_retries 24 → 25 attempts) they go to
 * the dead-letter queue's consumer, as Cloudflare Queues does.
 */
export async function drainJobs(
  maxAttempts = MAX_ATTEMPTS,
  bindings: Env = testEnv,
): Promise<{ delivered: number; retried: number; deadLettered: number; delays: number[] }> {
  const delays: number[] = []
  let delivered = 0
  let retried = 0
  let deadLettered = 0
  const attempts = new Map<Job, number>()
  while (sentJobs.length) {
    const body = sentJobs.shift() as Job
    const attempt = (attempts.get(body) ?? 0) + 1
    const batch = createMessageBatch<Job>('policybot-jobs', [
      { id: `job-${delivered}`, timestamp: new Date(), attempts: attempt, body },
    ])
    // The test harness records that a message was retried but not its delay: the delay the
    // consumer asked for is read on the way.
    let delaySeconds = 0
    for (const m of batch.messages) {
      const retry = m.retry.bind(m)
      m.retry = (options) => {
        delaySeconds = options?.delaySeconds ?? 0
        retry(options)
      }
    }
    const ctx = createExecutionContext()
    await worker.queue(batch as never, bindings, ctx)
    const result = await getQueueResult(batch, ctx)
    delivered++
    if (result.retryMessages.length || result.retryBatch.retry) {
      retried++
      delays.push(delaySeconds)
      if (attempt < maxAttempts) {
        attempts.set(body, attempt)
        sentJobs.push(body)
      } else {
        const dlq = createMessageBatch<Job>('policybot-jobs-dlq', [
          { id: `dead-${delivered}`, timestamp: new Date(), attempts: attempt, body },
        ])
        const dctx = createExecutionContext()
        await worker.queue(dlq as never, bindings, dctx)
        await getQueueResult(dlq, dctx)
        deadLettered++
      }
    }
  }
  return { delivered, retried, deadLettered, delays }
}

/** Runs the Worker's Cron Trigger (reminders, wiki sync jobs) once, waiting for its work. */
export async function runCron(bindings: Env = testEnv): Promise<void> {
  const ctx = createExecutionContext()
  await worker.scheduled(
    createScheduledController({ scheduledTime: Date.now(), cron: '*/30 * * * *' }) as never,
    bindings,
    ctx,
  )
  await waitOnExecutionContext(ctx)
}

/** Helpers for driving the Worker as Slack would, and reading what it sent to Slack. */
export const SIGNING_SECRET = 'test-signing-secret'

let counter = 0
/** A fresh Slack message ts (unique per test run, so events never collide across tests). */
export function freshTs(): string {
  counter++
  return `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 9000) + 1000)}${String(counter).padStart(2, '0')}`
}

/** A deep copy of a fixture with fields replaced (dotted paths). */
export function withFields<T>(fixture: T, fields: Record<string, unknown>): T {
  const copy = structuredClone(fixture) as Record<string, unknown>
  for (const [path, value] of Object.entries(fields)) {
    const keys = path.split('.')
    let cur = copy
    for (const k of keys.slice(0, -1)) cur = cur[k] as Record<string, unknown>
    cur[keys[keys.length - 1] as string] = value
  }
  return copy as T
}

/** POSTs a signed request to the Worker. */
export async function postSigned(
  path: string,
  body: string,
  options: {
    contentType?: string
    timestamp?: number
    secret?: string
    headers?: Record<string, string>
    bindings?: Env
  } = {},
) {
  const ts = options.timestamp ?? Math.floor(Date.now() / 1000)
  return workerFetch(
    `http://policybot.test${path}`,
    {
      method: 'POST',
      headers: {
        'content-type': options.contentType ?? 'application/json',
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': await signSlackRequest(options.secret ?? SIGNING_SECRET, ts, body),
        ...options.headers,
      },
      body,
    },
    options.bindings,
  )
}

/** Sends an Events API payload. */
export const postEvent = (payload: unknown, headers?: Record<string, string>) =>
  postSigned('/slack/events', JSON.stringify(payload), headers ? { headers } : {})

/** Sends an interactivity payload (form-encoded `payload=` as Slack does). */
export const postInteraction = (payload: unknown) =>
  postSigned('/slack/interactions', new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), {
    contentType: 'application/x-www-form-urlencoded',
  })

/** Every call the Worker made to the local Slack API so far. */
export async function slackCalls(): Promise<SlackCall[]> {
  const res = await fetch(`${inject('slackUrl')}/__calls`)
  return (await res.json()) as SlackCall[]
}

/** Runs the queued jobs, then returns what `find` picks from the Slack calls (failing if nothing). */
export async function afterJobs<T>(find: (calls: SlackCall[]) => T | undefined): Promise<T> {
  await drainJobs()
  const found = find(await slackCalls())
  if (found === undefined || (Array.isArray(found) && found.length === 0))
    throw new Error('expected Slack calls were not made')
  return found
}

/** Calls in one thread of one channel. */
export const inThread = (
  calls: SlackCall[],
  channel: string,
  threadTs: string,
  method = 'chat.postMessage',
) => calls.filter((c) => c.method === method && c.body.channel === channel && c.body.thread_ts === threadTs)

/** Text of all blocks of a message, flattened (for assertions on what a person sees). */
export function blockText(body: Record<string, unknown>): string {
  return JSON.stringify(body.blocks ?? [])
}

/**
 * Someone asks the bot by @mention, in a thread of its own (the fixture's asker and channel
 * unless `fields` say otherwise, e.g. `'event.user'`, `'event.channel'`); returns the thread's ts.
 */
export async function postMention(question: string, fields: Record<string, unknown> = {}): Promise<string> {
  const ts = freshTs()
  await postEvent(
    withFields(appMention, {
      'event.ts': ts,
      'event.event_ts': ts,
      'event.text': `<@U0BOT00001> ${question}`,
      event_id: `Ev${ts}`,
      ...fields,
    }),
  )
  return ts
}
