import { and, eq, isNull } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { storeApproved } from '../../workers/approved/store'
import { approvedAnswers, documents, questions } from '../../workers/db/schema'
import type { Env } from '../../workers/env'
import { openServices } from '../../workers/services'
import appMention from '../fixtures/slack/app_mention.json'
import messageIm from '../fixtures/slack/message_im.json'
import { drainJobs, envWith, freshTs, inThread, postSigned, slackCalls, withFields } from './slack'

/**
 * Restricted documents end to end on Slack: `managers/hiring.md` (front matter `audience:
 * [managers]`) is answered to a member of the managers' user group in a DM and in the managers'
 * channel, and to nobody else: not to an employee in a DM, not to a manager in a public channel
 * (everyone there reads the answer), and an approved answer citing it is not reused for them.
 */
const AUDIENCES = 'managers = slack:group:S0MANAGERS slack:channel:C0MANAGERS'
const bindings: Env = envWith({ AUDIENCES })
const QUESTION = 'How many requisitions can a team lead open per quarter without finance approval?'
const RESTRICTED = /two requisitions|Hiring budget/i

async function dm(user: string, text = QUESTION) {
  const ts = freshTs()
  const channel = `D${user.slice(1)}`
  const body = withFields(messageIm, {
    event_id: `EvAud${ts}`,
    'event.ts': ts,
    'event.event_ts': ts,
    'event.user': user,
    'event.channel': channel,
    'event.text': text,
  })
  return ask(channel, ts, body)
}

async function mention(user: string, channel: string, text = QUESTION) {
  const ts = freshTs()
  const body = withFields(appMention, {
    event_id: `EvAud${ts}`,
    'event.ts': ts,
    'event.event_ts': ts,
    'event.user': user,
    'event.channel': channel,
    'event.text': `<@U0BOT00001> ${text}`,
  })
  return ask(channel, ts, body)
}

/** Asks, runs the jobs, and returns everything the asker was shown in the thread, and the ledger row. */
async function ask(channel: string, ts: string, body: unknown) {
  const res = await postSigned('/slack/events', JSON.stringify(body), { bindings })
  expect(res.status).toBe(200)
  await drainJobs(undefined, bindings)
  const calls = await slackCalls()
  const shown = [
    ...inThread(calls, channel, ts),
    ...inThread(calls, channel, ts, 'chat.update'),
    ...inThread(calls, channel, ts, 'chat.startStream'),
  ]
    .map((c) => JSON.stringify(c.body))
    .join('\n')
  const svc = await openServices(bindings)
  try {
    const [row] = await svc.db.select().from(questions).where(eq(questions.messageTs, ts))
    return { shown, row }
  } finally {
    await svc.close()
  }
}

describe('restricted documents on Slack', () => {
  it('answers a member of the audience’s user group in a DM from the restricted page', async () => {
    const { shown, row } = await dm('U0MANAGER1')
    expect(row?.status).toBe('answered')
    expect(shown).toMatch(RESTRICTED)
  })

  it('counts a DM that mentions the bot as private too (the bot is the only other reader)', async () => {
    const { shown, row } = await dm('U0MANAGER1', `<@U0BOT00001> ${QUESTION}`)
    expect(row?.trigger).toBe('dm')
    expect(shown).toMatch(RESTRICTED)
  })

  it('does not answer an employee outside the audience from it, in a DM', async () => {
    const { shown, row } = await dm('U0EMPLOYEE1')
    expect(row?.status).toMatch(/answered|escalated/)
    expect(shown).not.toMatch(RESTRICTED)
    expect(JSON.stringify(row?.citations ?? [])).not.toMatch(/hiring/)
  })

  it('does not use it in a public channel, even for a manager: everyone there reads the answer', async () => {
    const { shown, row } = await mention('U0MANAGER1', 'C0GENERAL01')
    expect(row?.status).toMatch(/answered|escalated/)
    expect(shown).not.toMatch(RESTRICTED)
  })

  it('uses it in the channel the audience names, for anyone who asks there', async () => {
    const { shown, row } = await mention('U0EMPLOYEE1', 'C0MANAGERS')
    expect(row?.status).toBe('answered')
    expect(shown).toMatch(RESTRICTED)
  })

  describe('an approved answer citing the restricted page', () => {
    const APPROVED_Q = 'What is the hiring budget rule for team leads?'
    const APPROVED_TEXT = 'Team leads may open two requisitions a quarter on their own [1].'
    let approvedId = 0
    beforeAll(async () => {
      const svc = await openServices(bindings)
      try {
        const [doc] = await svc.db
          .select()
          .from(documents)
          .where(and(eq(documents.sourcePath, 'managers/hiring.md'), isNull(documents.deletedAt)))
        if (!doc) throw new Error('the small handbook has no managers/hiring.md')
        approvedId = await storeApproved(svc.db, svc.embedder, {
          escalationId: null,
          question: APPROVED_Q,
          answer: APPROVED_TEXT,
          citations: [
            {
              n: 1,
              documentId: doc.id,
              title: doc.title,
              sourcePath: doc.sourcePath,
              headingPath: ['Hiring budget'],
              url: null,
              page: null,
              updated: '2026-01-01',
            },
          ],
          approvedBy: 'slack:U0ADMIN001',
        })
      } finally {
        await svc.close()
      }
    })
    afterAll(async () => {
      const svc = await openServices(bindings)
      try {
        await svc.db
          .update(approvedAnswers)
          .set({ withdrawnAt: new Date(), withdrawnReason: 'test over' })
          .where(eq(approvedAnswers.id, approvedId))
      } finally {
        await svc.close()
      }
    })

    it('is reused for a manager in a DM', async () => {
      const { row } = await dm('U0MANAGER1', APPROVED_Q)
      expect(row?.mode).toBe('approved')
      expect(row?.approvedAnswerId).toBe(approvedId)
    })

    it('is not reused for an employee, nor for a manager in a public channel', async () => {
      for (const { row, shown } of [
        await dm('U0EMPLOYEE1', APPROVED_Q),
        await mention('U0MANAGER1', 'C0GENERAL01', APPROVED_Q),
      ]) {
        expect(row?.mode).not.toBe('approved')
        expect(shown).not.toContain('two requisitions a quarter on their own')
      }
    })
  })
})
