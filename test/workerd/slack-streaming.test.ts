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
})
