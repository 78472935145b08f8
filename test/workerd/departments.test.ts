import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { approvedAnswers, escalations, questions } from '../../workers/db/schema'
import { openServices, type Services } from '../../workers/services'
import approveClick from '../fixtures/slack/block_actions_approve.json'
import { chatRequestsServed } from '../helpers/runner-counts'
import { blockText, drainJobs, envWith, postInteraction, postMention, slackCalls, withFields } from './slack'

/**
 * Each question goes to its department's adapter, across real runners: `hr` is loaded on the
 * first runner only and `it` on the second, so the runner that counted a request is the proof
 * of which adapter generated it (the runners' own request counters, by adapter).
 */
const [HR_RUNNER, IT_RUNNER] = inject('realRunners') as [string, string]
const counted = (url: string, adapter: string) => chatRequestsServed(url, inject('runnerKey'), adapter)
const bindings = envWith({
  RUNNERS: `${HR_RUNNER} ${IT_RUNNER}`,
  RUNNER_TOKEN: inject('runnerKey'),
  RUNNER_MODEL: 'tiny',
  DEPARTMENTS: JSON.stringify([
    { name: 'hr', channels: ['slack:C0HRHELP1'] },
    { name: 'it', sources: ['file:it/'] },
  ]),
})

async function ask(channel: string, question: string) {
  const ts = await postMention(question, { 'event.channel': channel })
  await drainJobs(5, bindings)
  const [q] = await withDb((db) => db.select().from(questions).where(eq(questions.messageTs, ts)))
  return q
}

async function withDb<T>(fn: (db: Services['db']) => Promise<T>): Promise<T> {
  const svc = await openServices(bindings)
  try {
    return await fn(svc.db)
  } finally {
    await svc.close()
  }
}

describe('departments', () => {
  it("sends a question from a department's channel to its adapter", async () => {
    const before = [await counted(HR_RUNNER, 'hr'), await counted(IT_RUNNER, 'it')]
    // Asked by no other test: its approved (random) answer must not be reused for theirs.
    const q = await ask('C0HRHELP1', 'do unused annual leave days carry over into the next year?')
    expect(q).toMatchObject({ department: 'hr', departmentBy: 'channel', model: 'tiny:hr' })
    expect(await counted(HR_RUNNER, 'hr')).toBeGreaterThan(before[0] as number)
    expect(await counted(IT_RUNNER, 'it')).toBe(before[1])
    // The random-weight model cites nothing, so the draft goes to the team, department shown.
    expect(q?.status).toBe('escalated')
    const card = (await slackCalls()).find(
      (c) =>
        c.method === 'chat.postMessage' &&
        c.body.channel === 'C0ADMINS01' &&
        blockText(c.body).includes(`Question for the policy team`) &&
        blockText(c.body).includes('carry over into the next year') &&
        blockText(c.body).includes('Department: hr'),
    )
    expect(card).toBeDefined()
    // Approved, the answer is stored as the department's (its adapter's training data), and the
    // question still records the model that first answered it.
    const [esc] = await withDb((db) =>
      db
        .select()
        .from(escalations)
        .where(eq(escalations.questionId, q?.id as number)),
    )
    const res = await postInteraction(
      withFields(approveClick, {
        'user.id': 'U0ADMIN001',
        'actions.0.action_id': 'escalation_approve',
        'actions.0.value': String(esc?.id),
      }),
    )
    expect(res.status).toBe(200)
    await drainJobs(5, bindings)
    const [stored] = await withDb((db) =>
      db
        .select()
        .from(approvedAnswers)
        .where(eq(approvedAnswers.escalationId, esc?.id as number)),
    )
    expect(stored?.department).toBe('hr')
    const [after] = await withDb((db) =>
      db
        .select()
        .from(questions)
        .where(eq(questions.id, q?.id as number)),
    )
    expect(after).toMatchObject({ status: 'answered', mode: 'approved', department: 'hr', model: 'tiny:hr' })
    // The database is shared with the other test files: the random answer is not left to reuse.
    await withDb((db) =>
      db
        .update(approvedAnswers)
        .set({ withdrawnAt: new Date(), withdrawnReason: 'test' })
        .where(eq(approvedAnswers.id, stored?.id as number)),
    )
  })

  it('sends a question answered from a department’s documents to its adapter, elsewhere', async () => {
    const before = [await counted(HR_RUNNER, 'hr'), await counted(IT_RUNNER, 'it')]
    const q = await ask('C0GENERAL1', 'how long must my password be?')
    expect(q).toMatchObject({ department: 'it', departmentBy: 'documents', model: 'tiny:it' })
    expect(await counted(IT_RUNNER, 'it')).toBeGreaterThan(before[1] as number)
    expect(await counted(HR_RUNNER, 'hr')).toBe(before[0])
  })

  it('sends a question of no department to the base model', async () => {
    const before = [
      await counted(HR_RUNNER, ''),
      await counted(IT_RUNNER, ''),
      await counted(HR_RUNNER, 'hr'),
      await counted(IT_RUNNER, 'it'),
    ]
    const q = await ask('C0GENERAL1', 'within how many days must expense claims be submitted?')
    expect(q).toMatchObject({ department: null, departmentBy: null, model: 'tiny' })
    const base = (await counted(HR_RUNNER, '')) + (await counted(IT_RUNNER, ''))
    expect(base).toBeGreaterThan((before[0] as number) + (before[1] as number))
    expect([await counted(HR_RUNNER, 'hr'), await counted(IT_RUNNER, 'it')]).toEqual(before.slice(2))
  })
})
