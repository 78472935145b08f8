import { describe, expect, it } from 'vitest'
import editSubmit from '../fixtures/slack/view_submission_edit.json'
import rejectSubmit from '../fixtures/slack/view_submission_reject.json'
import type { SlackCall } from '../helpers/slack-api'
import {
  afterJobs,
  blockText,
  drainJobs,
  postInteraction,
  postMention,
  slackCalls,
  withFields,
} from './slack'

const CHANNEL = 'C0GENERAL1'
const ADMINS = 'C0ADMINS01'

/** One person asks by @mention in a thread of their own; returns the thread's ts. */
async function ask(user: string, question: string): Promise<string> {
  const ts = await postMention(question, { 'event.user': user })
  await afterJobs((c) => c)
  return ts
}

/**
 * The escalation cards posted to the admins about `text`, one per escalation: reminders (posted
 * again by another test file's cron, the database and Slack being shared) count once.
 */
const adminPostsAbout = async (text: string) => {
  const byId = new Map<string, SlackCall>()
  for (const c of await slackCalls()) {
    if (c.method !== 'chat.postMessage' || c.body.channel !== ADMINS || !blockText(c.body).includes(text))
      continue
    const id = /"value":"(\d+)"/.exec(blockText(c.body))?.[1]
    if (id && !byId.has(id)) byId.set(id, c)
  }
  return [...byId.values()]
}
const inThread = async (ts: string, from = 0) =>
  (await slackCalls())
    .slice(from)
    .filter((c) => c.method === 'chat.postMessage' && c.body.channel === CHANNEL && c.body.thread_ts === ts)

/**
 * The same question asked again while the policy team has it joins the open escalation: the team
 * is paged once, and its decision reaches every asker (an approval through the reuse path, which
 * checks what each may read; a rejection with its reason).
 */
describe('the same question asked twice while open', () => {
  it('pages the team once, and the approved answer reaches both askers', async () => {
    const question = 'Can I bring my pet tortoise to the office on Fridays?'
    const first = await ask('U0ASKER001', question)
    const second = await ask('U0ASKER002', 'can i bring my pet tortoise to the office on fridays')
    // (Another test file asks about a tortoise too: the exact words pick ours.)
    const posts = await adminPostsAbout('my pet tortoise to the office on')
    expect(posts).toHaveLength(1)
    const escalationId = /"value":"(\d+)"/.exec(blockText(posts[0]?.body ?? {}))?.[1] as string
    // The second asker is told the team has it, like the first.
    expect(String((await inThread(second))[0]?.body.text)).toMatch(/asked the policy team/)

    const before = (await slackCalls()).length
    const answer = 'Only assistance animals may come to the office; ask the Office team about exceptions.'
    await postInteraction(
      withFields(editSubmit, {
        'view.private_metadata': escalationId,
        'view.state.values.answer.answer.value': answer,
      }),
    )
    await drainJobs()
    for (const ts of [first, second]) {
      const delivered = (await inThread(ts, before)).map((c) => blockText(c.body)).join('\n')
      expect(delivered).toContain('assistance animals')
      expect(delivered).toContain('approved by <@U0ADMIN001>')
    }
  })

  it('tells both askers a rejection, with its reason; a differently worded question is its own', async () => {
    const question = 'May I keep a beehive on the office roof?'
    const first = await ask('U0ASKER001', question)
    const second = await ask('U0ASKER003', `${question}!!`)
    const other = await ask('U0ASKER004', 'May I keep two beehives on the roof of the office?')
    expect(await adminPostsAbout('keep a beehive on the office roof')).toHaveLength(1)
    expect(await adminPostsAbout('keep two beehives on the roof')).toHaveLength(1)
    const escalationId = /"value":"(\d+)"/.exec(
      blockText((await adminPostsAbout('a beehive on the office roof'))[0]?.body ?? {}),
    )?.[1] as string

    const before = (await slackCalls()).length
    await postInteraction(
      withFields(rejectSubmit, { 'user.id': 'U0ADMIN001', 'view.private_metadata': escalationId }),
    )
    await drainJobs()
    const reason = rejectSubmit.view.state.values.reason.reason.value
    for (const ts of [first, second]) {
      const told = await inThread(ts, before)
      expect(told).toHaveLength(1)
      expect(String(told[0]?.body.text)).toContain(reason)
    }
    expect(await inThread(other, before)).toEqual([])
  })
})
