import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { questions } from '../../workers/db/schema'
import { openServices } from '../../workers/services'
import appMention from '../fixtures/slack/app_mention.json'
import {
  blockText,
  drainJobs,
  envWith,
  freshTs,
  inThread,
  postSigned,
  slackCalls,
  testEnv,
  withFields,
} from './slack'

/**
 * What every question passes at the door (workers/conversations/limits.ts) and before it is
 * answered: characters Postgres refuses, a length cap, and per-person and per-workspace rates,
 * each met with a polite reply in the asker's thread instead of an error or silence.
 */
const CHANNEL = 'C0LIMITS01'
let teams = 0
const mention = (text: string, over: Record<string, unknown> = {}) => {
  const ts = freshTs()
  return {
    ts,
    payload: withFields(appMention, {
      event_id: `EvLimits${ts}`,
      'event.ts': ts,
      'event.event_ts': ts,
      'event.channel': CHANNEL,
      'event.text': `<@U0BOT00001> ${text}`,
      ...over,
    }),
  }
}
const replyIn = async (ts: string) => {
  const [post] = inThread(await slackCalls(), CHANNEL, ts)
  return post ? `${post.body.text ?? ''} ${blockText(post.body)}` : undefined
}
async function stored(ts: string) {
  const svc = await openServices(testEnv)
  try {
    const [row] = await svc.db.select().from(questions).where(eq(questions.messageTs, ts))
    return row
  } finally {
    await svc.close()
  }
}

describe('question limits', () => {
  it('answers a question with a NUL and bidi overrides in it, stored without them', async () => {
    const m = mention('how many vacation days\u0000 do I get after \u202Etwo years?')
    expect((await postSigned('/slack/events', JSON.stringify(m.payload))).status).toBe(200)
    await drainJobs()
    expect(await replyIn(m.ts)).toMatch(/20 days|25 days/)
    const row = await stored(m.ts)
    expect(row?.status).toBe('answered')
    expect(row?.text).toBe('how many vacation days do I get after two years?')
  })

  it('stores and shows admins a question with its personal data redacted, and still replies to its asker', async () => {
    const m = mention(
      'I am jane.doe@example.com, phone +44 20 7946 0958, SSN 123-45-6789; my card 4111 1111 1111 1111 CVV 123 was charged for a course. 我的身份证号是11010519491231002X。How many vacation days do I get after two years?',
    )
    expect((await postSigned('/slack/events', JSON.stringify(m.payload))).status).toBe(200)
    await drainJobs()
    const row = await stored(m.ts)
    expect(row?.text).toBe(
      'I am [email], phone [phone], SSN [us-ssn]; my card [card] CVV [card] was charged for a course. 我的身份证号是[cn-id]。How many vacation days do I get after two years?',
    )
    // The long preamble makes retrieval unsure, so it goes to the admins: what they are shown,
    // and everything else the Worker sent anywhere, is the redacted text.
    expect(row?.status).toBe('escalated')
    const calls = await slackCalls()
    const admins = calls.filter(
      (c) => c.body.channel === 'C0ADMINS01' && JSON.stringify(c.body).includes('charged for a course'),
    )
    expect(admins.length).toBeGreaterThan(0)
    expect(JSON.stringify(admins)).toContain('[email]')
    const sent = JSON.stringify([...admins, ...inThread(calls, CHANNEL, m.ts)])
    for (const secret of ['jane.doe', '7946', '123-45-6789', '4111', '11010519491231002X'])
      expect(sent).not.toContain(secret)
    expect(await replyIn(m.ts)).toContain("I've asked the policy team")
  })

  it('refuses an over-long question politely, and stores only what the cap allows', async () => {
    const m = mention(`what is our leave policy? ${'please explain in detail. '.repeat(2000)}`)
    expect((await postSigned('/slack/events', JSON.stringify(m.payload))).status).toBe(200)
    await drainJobs()
    expect(await replyIn(m.ts)).toContain('too long for me (over 4,000 characters)')
    const row = await stored(m.ts)
    expect(row?.status).toBe('refused')
    expect(row?.text.length).toBe(4001)
  })

  it('asks a person who asks too fast to wait, and answers someone else in the same workspace', async () => {
    teams++
    const team = `T0RATE000${teams}`
    const bindings = envWith({ QUESTIONS_PER_USER_PER_MINUTE: '3' })
    const asked = []
    for (let i = 0; i < 5; i++) {
      const m = mention(`how many vacation days do I get after two years? (${i})`, {
        team_id: team,
        'event.team': team,
      })
      expect((await postSigned('/slack/events', JSON.stringify(m.payload), { bindings })).status).toBe(200)
      asked.push(m.ts)
    }
    const other = mention('what are our core hours?', {
      team_id: team,
      'event.team': team,
      'event.user': 'U0OTHER001',
    })
    await postSigned('/slack/events', JSON.stringify(other.payload), { bindings })
    await drainJobs(undefined, bindings)
    const replies = await Promise.all(asked.map(replyIn))
    const tooFast = (r: string | undefined) => !!r?.includes('faster than I can answer well')
    expect(replies.every((r) => r !== undefined)).toBe(true)
    expect(replies.map(tooFast)).toEqual([false, false, false, true, true])
    expect(tooFast(await replyIn(other.ts))).toBe(false)
    expect((await stored(asked[4] as string))?.status).toBe('refused')
  })
})
