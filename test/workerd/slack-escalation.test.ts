import { describe, expect, inject, it } from 'vitest'
import appMention from '../fixtures/slack/app_mention.json'
import approveClick from '../fixtures/slack/block_actions_approve.json'
import feedbackClick from '../fixtures/slack/block_actions_feedback.json'
import editSubmit from '../fixtures/slack/view_submission_edit.json'
import rejectSubmit from '../fixtures/slack/view_submission_reject.json'
import type { SlackCall } from '../helpers/slack-api'
import {
  afterJobs,
  blockText,
  drainJobs,
  envWith,
  freshTs,
  inThread,
  postEvent,
  postInteraction,
  postMention,
  runCron,
  slackCalls,
  withFields,
} from './slack'

const CHANNEL = 'C0GENERAL1'
const ADMINS = 'C0ADMINS01'

/** Asks a question by @mention and runs the jobs; returns the thread and the escalation id posted to admins. */
async function askUnanswerable(question: string) {
  const ts = await postMention(question)
  const calls = await afterJobs((c) => c)
  const adminPost = calls.find(
    (c) =>
      c.method === 'chat.postMessage' && c.body.channel === ADMINS && blockText(c.body).includes(question),
  )
  const id = /"value":"(\d+)"/.exec(blockText(adminPost?.body ?? {}))?.[1]
  return { ts, adminPost, escalationId: id as string }
}

const click = (actionId: string, escalationId: string, user: string) =>
  postInteraction(
    withFields(approveClick, {
      'user.id': user,
      'actions.0.action_id': actionId,
      'actions.0.value': escalationId,
    }),
  )

const newCalls = async (before: number): Promise<SlackCall[]> => (await slackCalls()).slice(before)

describe('escalations approved in Slack', () => {
  it('escalates an unanswerable question, an admin writes the answer, the asker gets it, and it is reused', async () => {
    const question = 'Can I bring my pet iguana to the office on Fridays?'
    const { ts, adminPost, escalationId } = await askUnanswerable(question)
    // The asker is told, in their thread, that the policy team has been asked.
    const [holding] = inThread(await slackCalls(), CHANNEL, ts)
    expect(holding?.body.text).toMatch(/asked the policy team/)
    // The admin message carries the question, the asker and the three buttons.
    expect(adminPost).toBeDefined()
    const admin = blockText(adminPost?.body ?? {})
    expect(admin).toContain('<@U0ASKER001>')
    expect(admin).toContain('escalation_edit')
    expect(admin).toContain('escalation_reject')

    // A loading modal opens first, within trigger_id's 3 seconds, before the admin check and the
    // database read; it then becomes what the person may see.
    const modalFlow = (calls: SlackCall[]) => {
      const open = calls.find((c) => c.method === 'views.open')
      const update = calls.find((c) => c.method === 'views.update')
      expect(open?.body.trigger_id).toBe(approveClick.trigger_id)
      expect(JSON.stringify(open?.body.view)).toMatch(/Loading the escalation/)
      expect(calls.indexOf(open as SlackCall)).toBeLessThan(calls.indexOf(update as SlackCall))
      expect(update?.body.view_id).toBe(open?.response?.view && (open.response.view as { id: string }).id)
      return update?.body.view as Record<string, unknown>
    }
    // A non-admin pressing a button is refused in that modal; nothing changes.
    let before = (await slackCalls()).length
    expect((await click('escalation_edit', escalationId, 'U0OTHER001')).status).toBe(200)
    expect(JSON.stringify(modalFlow(await newCalls(before)))).toMatch(/Only policy admins/)

    // An admin gets the edit form in it.
    before = (await slackCalls()).length
    await click('escalation_edit', escalationId, 'U0ADMIN001')
    expect(modalFlow(await newCalls(before))).toMatchObject({
      callback_id: 'escalation_edit',
      private_metadata: escalationId,
    })

    // …and submits the answer: the modal closes, the asker's thread gets it, attributed.
    const answer =
      'Only assistance animals may come to the office; please ask the Office team about exceptions.'
    const submitted = await postInteraction(
      withFields(editSubmit, {
        'view.private_metadata': escalationId,
        'view.state.values.answer.answer.value': answer,
      }),
    )
    expect(await submitted.json()).toEqual({ response_action: 'clear' })
    before = (await slackCalls()).length
    await drainJobs()
    const after = await newCalls(before)
    const delivered = after.find((c) => c.method === 'chat.postMessage' && c.body.thread_ts === ts)
    expect(delivered?.body.channel).toBe(CHANNEL)
    expect(blockText(delivered?.body ?? {})).toContain('approved by <@U0ADMIN001>')
    expect(blockText(delivered?.body ?? {})).toContain('assistance animals')
    // The admin message shows the outcome instead of the buttons.
    const update = after.find((c) => c.method === 'chat.update')
    expect(update?.body).toMatchObject({ channel: ADMINS, ts: adminPost?.response?.ts })
    expect(blockText(update?.body ?? {})).toContain('Edited and approved by <@U0ADMIN001>')
    expect(blockText(update?.body ?? {})).not.toContain('escalation_reject')

    // Someone else asks the same thing in other words: the approved answer comes back at once.
    const again = freshTs()
    await postEvent(
      withFields(appMention, {
        'event.ts': again,
        'event.text': '<@U0BOT00001> can i bring my pet iguana to the office on fridays',
        'event.user': 'U0OTHER001',
        event_id: `Ev${again}`,
      }),
    )
    const [reused] = await afterJobs((c) => inThread(c, CHANNEL, again))
    expect(blockText(reused?.body ?? {})).toContain('approved by <@U0ADMIN001>')
    expect(blockText(reused?.body ?? {})).toContain('assistance animals')
  })

  it('lets exactly one of two admins acting at once win; the other is told who did', async () => {
    const { ts, escalationId } = await askUnanswerable('Is there a policy on bringing a tuba to work?')
    const before = (await slackCalls()).length
    const [one, two] = await Promise.all([
      postInteraction(
        withFields(rejectSubmit, { 'user.id': 'U0ADMIN001', 'view.private_metadata': escalationId }),
      ),
      postInteraction(
        withFields(rejectSubmit, { 'user.id': 'U0ADMIN002', 'view.private_metadata': escalationId }),
      ),
    ])
    const bodies = [await one?.json(), await two?.json()] as {
      response_action: string
      errors?: { reason: string }
    }[]
    const winners = bodies.filter((b) => b.response_action === 'clear')
    const losers = bodies.filter((b) => b.response_action === 'errors')
    expect(winners).toHaveLength(1)
    expect(losers).toHaveLength(1)
    expect(losers[0]?.errors?.reason).toMatch(/already rejected by <@U0ADMIN00[12]>/)
    await drainJobs()
    const told = (await newCalls(before)).filter(
      (c) => c.method === 'chat.postMessage' && c.body.thread_ts === ts,
    )
    expect(told).toHaveLength(1)
    expect(String(told[0]?.body.text)).toContain(rejectSubmit.view.state.values.reason.reason.value)
  })

  it('answers 502 (with Retry-After, without Slack internals) when Slack fails while a modal opens', async () => {
    const { escalationId } = await askUnanswerable('Can I bring my parrot to the Berlin office?')
    const faults = `${inject('slackUrl')}/__faults`
    await fetch(faults, {
      method: 'PUT',
      body: JSON.stringify([{ method: 'views.open', status: 429, retryAfter: 30, times: 1 }]),
    })
    try {
      const res = await click('escalation_edit', escalationId, 'U0ADMIN001')
      expect(res.status).toBe(502)
      expect(res.headers.get('retry-after')).toBe('30')
      expect(await res.json()).toEqual({
        error: {
          message: 'A chat platform failed; try again.',
          type: 'server_error',
          code: 'PLATFORM_ERROR',
        },
      })
    } finally {
      await fetch(faults, { method: 'DELETE' })
    }
  })

  it('accepts admins by user group membership and refuses a second decision', async () => {
    const { escalationId } = await askUnanswerable('May I keep bees on the office roof?')
    // U0ADMIN003 is an admin only through the S0POLICYTEAM user group.
    let before = (await slackCalls()).length
    await click('escalation_edit', escalationId, 'U0ADMIN003')
    const fresh = await newCalls(before)
    // Membership comes from usergroups.users.list (cached for five minutes, so look at all calls;
    // other tests read other groups, such as an audience's).
    expect(
      (await slackCalls()).filter(
        (c) => c.method === 'usergroups.users.list' && c.body.usergroup === 'S0POLICYTEAM',
      ),
    ).not.toEqual([])
    expect(fresh.find((c) => c.method === 'views.update')?.body.view).toMatchObject({
      callback_id: 'escalation_edit',
    })
    await postInteraction(
      withFields(rejectSubmit, { 'user.id': 'U0ADMIN003', 'view.private_metadata': escalationId }),
    )
    await drainJobs()
    before = (await slackCalls()).length
    await click('escalation_edit', escalationId, 'U0ADMIN001')
    const late = (await newCalls(before)).find((c) => c.method === 'views.update')
    expect(JSON.stringify(late?.body.view)).toMatch(/already rejected by <@U0ADMIN003>/)
  })

  it('records a thumbs-down and offers a human; "Ask a human" escalates with the answer as draft', async () => {
    const ts = freshTs()
    await postEvent(withFields(appMention, { 'event.ts': ts, event_id: `Ev${ts}` }))
    const [answer] = await afterJobs((c) => inThread(c, CHANNEL, ts))
    const questionId = /"value":"up:(\d+)"/.exec(blockText(answer?.body ?? {}))?.[1] as string
    let before = (await slackCalls()).length
    await postInteraction(
      withFields(feedbackClick, {
        'user.id': 'U0ASKER001',
        'container.thread_ts': ts,
        'actions.0.value': `down:${questionId}`,
      }),
    )
    const offer = (await newCalls(before)).find((c) => c.method === 'chat.postEphemeral')
    expect(offer?.body).toMatchObject({ channel: CHANNEL, user: 'U0ASKER001', thread_ts: ts })
    expect(blockText(offer?.body ?? {})).toContain('answer_ask_human')
    before = (await slackCalls()).length
    await postInteraction(
      withFields(feedbackClick, {
        'user.id': 'U0ASKER001',
        'container.thread_ts': ts,
        'actions.0.action_id': 'answer_ask_human',
        'actions.0.type': 'button',
        'actions.0.value': questionId,
      }),
    )
    await drainJobs()
    const after = await newCalls(before)
    expect(inThread(after, CHANNEL, ts)[0]?.body.text).toMatch(/asked the policy team/)
    const admin = after.find((c) => c.method === 'chat.postMessage' && c.body.channel === ADMINS)
    expect(blockText(admin?.body ?? {})).toContain('the asker asked for a human')
    expect(blockText(admin?.body ?? {})).toContain('escalation_approve')
  })
})

describe('reminders', () => {
  it('reminds the admin thread of escalations open longer than ESCALATION_REMIND_HOURS', async () => {
    const { adminPost } = await askUnanswerable('Can I keep a horse in the parking garage?')
    await new Promise((r) => setTimeout(r, 400))
    const before = (await slackCalls()).length
    await runCron(envWith({ ESCALATION_REMIND_HOURS: '0.0001' }))
    const reminder = (await newCalls(before)).find(
      (c) => c.method === 'chat.postMessage' && c.body.thread_ts === adminPost?.response?.ts,
    )
    expect(reminder?.body.channel).toBe(ADMINS)
    expect(String(reminder?.body.text)).toMatch(/Reminder: this question has been waiting/)
  })
})
