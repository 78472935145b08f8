import { describe, expect, inject, it } from 'vitest'
import appMention from '../fixtures/slack/app_mention.json'
import { STREAMED_ANSWER } from './constants'
import { drainJobs, envWith, freshTs, postEvent, slackCalls, withFields } from './slack'

describe('generated answers', () => {
  it('stream into the thread (start, append, stop with sources and feedback)', async () => {
    const ts = freshTs()
    await postEvent(withFields(appMention, { 'event.ts': ts, 'event.event_ts': ts, event_id: `Ev${ts}` }))
    await drainJobs(5, envWith({ RUNNER_URL: inject('runnerUrl') }))
    const calls = await slackCalls()
    const start = calls.find((c) => c.method === 'chat.startStream' && c.body.thread_ts === ts)
    expect(start?.body).toMatchObject({
      channel: 'C0GENERAL1',
      recipient_user_id: 'U0ASKER001',
      recipient_team_id: 'T0POLICY01',
    })
    const mine = calls.slice(calls.indexOf(start as (typeof calls)[number]))
    const appends = mine.filter((c) => c.method === 'chat.appendStream')
    const stop = mine.find((c) => c.method === 'chat.stopStream')
    expect(appends.length).toBeGreaterThan(0)
    const streamed = [start, ...appends, stop].map((c) => String(c?.body.markdown_text ?? '')).join('')
    expect(streamed).toBe(STREAMED_ANSWER)
    expect(JSON.stringify(stop?.body.blocks)).toMatch(/\[1\] Annual leave › Entitlement/)
    expect(JSON.stringify(stop?.body.blocks)).toContain('feedback_buttons')
    // Nothing else was posted for this question: the stream is the answer.
    expect(calls.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts === ts)).toHaveLength(0)
  })

  it("stay within the workspace's Slack limits: past 18 streams a minute, answers are posted whole, each once", async () => {
    const team = `T0B${Date.now().toString(36).toUpperCase()}`
    const channel = 'C0BUDGET01'
    const threads: string[] = []
    for (let i = 0; i < 21; i++) {
      const ts = freshTs()
      threads.push(ts)
      const res = await postEvent(
        withFields(appMention, {
          team_id: team,
          'event.team': team,
          'event.ts': ts,
          'event.event_ts': ts,
          'event.channel': channel,
          event_id: `Ev${ts}`,
        }),
      )
      expect(res.status).toBe(200)
    }
    await drainJobs(5, envWith({ RUNNER_URL: inject('fastRunnerUrl') }))
    const calls = (await slackCalls()).filter((c) => c.body.channel === channel)
    const starts = calls.filter((c) => c.method === 'chat.startStream' && c.body.recipient_team_id === team)
    expect(starts).toHaveLength(18)
    const streamed = new Set(starts.map((c) => c.body.thread_ts))
    const posted = calls.filter(
      (c) => c.method === 'chat.postMessage' && threads.includes(String(c.body.thread_ts)),
    )
    // Every question got one answer: a stream, or (over the budget) one whole message.
    expect(posted.map((c) => c.body.thread_ts).sort()).toEqual(threads.filter((t) => !streamed.has(t)).sort())
    expect(posted.every((c) => String(c.body.text).includes('25 days'))).toBe(true)
  })
})
