import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { parkedJobs, questions } from '../../workers/db/schema'
import { openServices } from '../../workers/services'
import appMention from '../fixtures/slack/app_mention.json'
import type { SlackCall, SlackFault } from '../helpers/slack-api'
import {
  drainJobs,
  envWith,
  freshTs,
  postEvent,
  runCron,
  sentJobs,
  slackCalls,
  testEnv,
  withFields,
} from './slack'

/**
 * Delivery under the failures a workspace meets every day: the local Slack stand-in plays
 * Slack's 429s with Retry-After, its 500s, and its permanent refusals, on one channel per test.
 */
async function fault(...faults: SlackFault[]) {
  await fetch(`${inject('slackUrl')}/__faults`, { method: 'PUT', body: JSON.stringify(faults) })
}
afterEach(async () => {
  await fetch(`${inject('slackUrl')}/__faults`, { method: 'DELETE' })
})

/** Asks the sample question by @mention in `channel`; returns its thread ts. */
async function ask(channel: string, text = 'how many vacation days do I get after two years?') {
  const ts = freshTs()
  const res = await postEvent(
    withFields(appMention, {
      'event.ts': ts,
      'event.event_ts': ts,
      'event.channel': channel,
      'event.text': `<@U0BOT00001> ${text}`,
      event_id: `Ev${ts}`,
    }),
  )
  expect(res.status).toBe(200)
  return ts
}

/** Calls to `method` in one thread (or on one message, for `ts`-addressed methods) that Slack accepted. */
const accepted = (calls: SlackCall[], method: string, where: Record<string, unknown>) =>
  calls.filter(
    (c) =>
      c.method === method &&
      c.response?.ok === true &&
      Object.entries(where).every(([k, v]) => c.body[k] === v),
  )

async function questionOf(channel: string, threadTs: string) {
  const svc = await openServices(testEnv)
  try {
    const [q] = await svc.db.select().from(questions).where(eq(questions.messageTs, threadTs))
    expect(q?.channel).toBe(channel)
    return q as typeof questions.$inferSelect
  } finally {
    await svc.close()
  }
}

describe('delivery when Slack fails', () => {
  it('waits as long as a 429 asks before trying again, then answers once', async () => {
    const channel = 'C0RATE0001'
    await fault({ method: 'chat.postMessage', channel, status: 429, retryAfter: 20, times: 1 })
    const ts = await ask(channel)
    const run = await drainJobs()
    expect(run.delays[0]).toBeGreaterThanOrEqual(20)
    expect(run.deadLettered).toBe(0)
    const answers = accepted(await slackCalls(), 'chat.postMessage', { channel, thread_ts: ts })
    expect(answers).toHaveLength(1)
    expect(JSON.stringify(answers[0]?.body.blocks)).toContain('days')
    expect((await questionOf(channel, ts)).status).toBe('answered')
  })

  it('answers after an outage longer than the old retry budget (12 failed attempts), exactly once', async () => {
    const channel = 'C0DOWN0001'
    await fault({ channel, status: 500, times: 12 })
    const ts = await ask(channel)
    const run = await drainJobs()
    expect(run).toMatchObject({ delivered: 13, retried: 12, deadLettered: 0 })
    // Backoff grows; the delays so far already pass a quarter of an hour.
    expect(run.delays.slice(0, 4)).toEqual([5, 10, 20, 40])
    expect(run.delays.reduce((a, b) => a + b, 0)).toBeGreaterThan(15 * 60)
    expect(accepted(await slackCalls(), 'chat.postMessage', { channel, thread_ts: ts })).toHaveLength(1)
    expect((await questionOf(channel, ts)).status).toBe('answered')
  })

  it('finishes the message a failed attempt started instead of streaming a second answer', async () => {
    const channel = 'C0STOP0001'
    await fault({ method: 'chat.stopStream', channel, status: 500, times: 1 })
    const ts = await ask(channel)
    const run = await drainJobs(undefined, envWith({ RUNNER_URL: inject('runnerUrl') }))
    expect(run).toMatchObject({ retried: 1, deadLettered: 0 })
    const calls = await slackCalls()
    const starts = accepted(calls, 'chat.startStream', { channel, thread_ts: ts })
    expect(starts).toHaveLength(1)
    const streamTs = starts[0]?.response?.ts
    expect(accepted(calls, 'chat.postMessage', { channel, thread_ts: ts })).toHaveLength(0)
    const final = accepted(calls, 'chat.update', { channel, ts: streamTs })
    expect(final).toHaveLength(1)
    expect(JSON.stringify(final[0]?.body.blocks)).toMatch(/\[1\] Annual leave/)
    const q = await questionOf(channel, ts)
    expect(q).toMatchObject({ status: 'answered', answerTs: streamTs })
  })
})

describe('an unfinished answer that can no longer be edited', () => {
  it('is posted anew rather than left unanswered', async () => {
    const channel = 'C0EDIT0001'
    await fault(
      { method: 'chat.stopStream', channel, status: 500, times: 1 },
      { method: 'chat.update', channel, error: 'message_not_found', times: 1 },
    )
    const ts = await ask(channel)
    const run = await drainJobs(undefined, envWith({ RUNNER_URL: inject('runnerUrl') }))
    expect(run).toMatchObject({ retried: 1, deadLettered: 0 })
    const posted = accepted(await slackCalls(), 'chat.postMessage', { channel, thread_ts: ts })
    expect(posted).toHaveLength(1)
    expect(JSON.stringify(posted[0]?.body.blocks)).toMatch(/\[1\] Annual leave/)
    expect(await questionOf(channel, ts)).toMatchObject({
      status: 'answered',
      answerTs: posted[0]?.response?.ts,
    })
  })
})

describe('questions whose job was lost', () => {
  it('are queued again by the cron and answered once', async () => {
    const channel = 'C0LOST0001'
    const ts = await ask(channel)
    // The Worker was killed after Slack got its 200: the job never ran.
    expect(sentJobs).toHaveLength(1)
    sentJobs.length = 0
    const { id } = await questionOf(channel, ts)
    const svc = await openServices(testEnv)
    try {
      // The cron may also queue other work (wiki syncs of other tests' sources): only answers count.
      // (Other test files share the database: only this question's job counts.)
      const answersQueued = () => {
        const mine = sentJobs.filter((j) => j.type === 'answer' && j.questionId === id)
        sentJobs.length = 0
        sentJobs.push(...mine)
        return mine
      }
      await runCron()
      expect(answersQueued()).toHaveLength(0) // too recent to be called lost
      await svc.db
        .update(questions)
        .set({ createdAt: new Date(Date.now() - 20 * 60_000) })
        .where(eq(questions.id, id))
      await runCron()
      expect(answersQueued()).toEqual([{ type: 'answer', questionId: id }])
      await drainJobs()
      expect(accepted(await slackCalls(), 'chat.postMessage', { channel, thread_ts: ts })).toHaveLength(1)
      expect((await questionOf(channel, ts)).status).toBe('answered')
    } finally {
      await svc.close()
    }
  })
})

describe('questions waiting out a backoff', () => {
  it('are not swept until their scheduled retry is overdue', async () => {
    const channel = 'C0BACKOFF1'
    const ts = await ask(channel)
    sentJobs.length = 0
    const { id } = await questionOf(channel, ts)
    const svc = await openServices(testEnv)
    const mine = () => sentJobs.filter((j) => j.type === 'answer' && j.questionId === id)
    try {
      // Eight failed attempts: the next retry comes 5 minutes after the last one started.
      const lastTried = async (minutesAgo: number) => {
        await svc.db
          .update(questions)
          .set({
            attempts: 8,
            createdAt: new Date(Date.now() - 60 * 60_000),
            lastAttemptAt: new Date(Date.now() - minutesAgo * 60_000),
          })
          .where(eq(questions.id, id))
        sentJobs.length = 0
        await runCron()
        return mine().length
      }
      expect(await lastTried(16)).toBe(0) // 15 minutes, but its retry is due only at 5
      expect(await lastTried(21)).toBe(1) // its retry is 15 minutes overdue: lost
    } finally {
      sentJobs.length = 0
      await svc.db.update(questions).set({ status: 'failed' }).where(eq(questions.id, id))
      await svc.close()
    }
  })
})

describe('questions that cannot be answered', () => {
  it('are parked at the first permanent refusal, and the admins told', async () => {
    const ts = await ask('C0GONE0001')
    const before = (await slackCalls()).length
    const run = await drainJobs()
    expect(run).toMatchObject({ delivered: 1, retried: 0, deadLettered: 0 })
    const after = (await slackCalls()).slice(before)
    const notice = after.find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C0ADMINS01')
    expect(String(notice?.body.text)).toMatch(
      /could not be answered after 1 attempts \(Slack chat.postMessage failed: not_in_channel\)/,
    )
    expect((await questionOf('C0GONE0001', ts)).status).toBe('failed')
  })

  it('tell the asker later when Slack was still down at parking time', async () => {
    const channel = 'C0PARK0001'
    // The answer is refused for good; the asker's notice meets an outage, then gets through.
    await fault(
      { method: 'chat.postMessage', channel, error: 'invalid_blocks', times: 1 },
      { method: 'chat.postMessage', channel, status: 503, times: 1 },
    )
    const ts = await ask(channel)
    await drainJobs()
    const { id } = await questionOf(channel, ts)
    const svc = await openServices(testEnv)
    try {
      const parked = async () =>
        (await svc.db.select().from(parkedJobs)).find(
          (p) => (p.body as { questionId?: number }).questionId === id,
        )
      expect((await parked())?.askerToldAt).toBeNull()
      await runCron()
      expect((await parked())?.askerToldAt).toBeInstanceOf(Date)
      const told = accepted(await slackCalls(), 'chat.postMessage', { channel, thread_ts: ts })
      expect(told.map((c) => c.body.text)).toEqual([expect.stringMatching(/policy team has been told/)])
    } finally {
      await svc.close()
    }
  })
})
