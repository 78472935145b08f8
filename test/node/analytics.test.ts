import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyticsReport, contentGaps } from '../../workers/analytics/report'
import { recordQuestion } from '../../workers/conversations/questions'
import type { Db } from '../../workers/db/client'
import { openPglite } from '../../workers/db/pglite'
import { feedback, questions } from '../../workers/db/schema'
import { decideEscalation, openEscalation } from '../../workers/escalation/escalations'

/** The console's Analytics figures, on the embedded database, as the page states them. */
describe('analytics', () => {
  let database: Awaited<ReturnType<typeof openPglite>>
  let db: Db
  let n = 0
  const ask = async (
    text: string,
    platform: 'slack' | 'teams' | 'dingtalk' | 'web' = 'slack',
    status = 'answered',
  ) => {
    n++
    const id = (await recordQuestion(db, `k${n}`, {
      place: { platform, team: 'T1', channel: 'C1', threadTs: `t${n}` },
      messageTs: `m${n}`,
      asker: `U${n}`,
      text,
      trigger: 'mention',
    })) as number
    await db.update(questions).set({ status }).where(eq(questions.id, id))
    return id
  }
  const escalate = (questionId: number) =>
    openEscalation(db, {
      questionId,
      reason: 'abstain',
      draft: null,
      citations: [],
      confidence: 0.1,
      actor: 'system',
    })

  beforeAll(async () => {
    database = await openPglite()
    db = database.db
  })
  afterAll(() => database?.close())

  it('counts outcomes, the median time to a decision, votes, and groups escalated or unhelpful questions', async () => {
    await ask('How many vacation days do I get?')
    await ask('What is the per diem in Berlin?', 'teams')
    const voted = await ask('Can I expense a standing desk?', 'web')
    await db.insert(feedback).values({ questionId: voted, voter: 'U9', helpful: false })
    const answeredHelpfully = await ask('When is payday?', 'dingtalk')
    await db.insert(feedback).values({ questionId: answeredHelpfully, voter: 'U9', helpful: true })
    // Three ways of asking about adoption leave: one gap of three.
    const a = await ask('Do adoptive parents get parental leave?', 'slack', 'escalated')
    const b = await ask('parental leave when adopting a child', 'teams', 'escalated')
    const c = await ask('Is there adoption leave for parents?', 'web', 'escalated')
    const ea = (await escalate(a)).row.id
    const eb = (await escalate(b)).row.id
    await escalate(c)
    // Decided 30 and 90 minutes after they were opened: median 60.
    await db.execute(
      sql`UPDATE escalations SET created_at = now() - interval '2 hours' WHERE id IN (${ea}, ${eb})`,
    )
    await decideEscalation(db, ea, { status: 'approved', by: 'hr' }, 'web:hr')
    await decideEscalation(db, eb, { status: 'rejected', by: 'hr', reason: null }, 'web:hr')
    await db.execute(
      sql`UPDATE escalations SET decided_at = created_at + interval '30 minutes' WHERE id = ${ea}`,
    )
    await db.execute(
      sql`UPDATE escalations SET decided_at = created_at + interval '90 minutes' WHERE id = ${eb}`,
    )

    const r = await analyticsReport(db, 30)
    expect(r.totals).toEqual({
      questions: 7,
      answeredByBot: 4,
      escalated: 3,
      approved: 1,
      rejected: 1,
      open: 1,
    })
    expect(r.medianDecisionMinutes).toBeCloseTo(60, 5)
    expect(r.feedback).toEqual({ helpful: 1, unhelpful: 1 })
    expect(r.perDay.reduce((s, d) => s + d.questions, 0)).toBe(7)
    expect(new Set(r.perDay.map((d) => d.platform))).toEqual(new Set(['slack', 'teams', 'web', 'dingtalk']))
    expect(r.gaps[0]).toMatchObject({ count: 3, escalated: 3, unhelpful: 0 })
    expect(r.gaps[1]).toMatchObject({ label: 'Can I expense a standing desk?', count: 1, unhelpful: 1 })
    expect(r.gaps).toHaveLength(2)
    // By department and model: the adoption questions were HR's, two by its adapter, one by its
    // canary; the rest had no department.
    await db.update(questions).set({ department: 'hr', model: 'q:hr' }).where(sql`id IN (${a}, ${b})`)
    await db.update(questions).set({ department: 'hr', model: 'q:hr-v2' }).where(eq(questions.id, c))
    await db.update(questions).set({ model: 'q' }).where(eq(questions.id, voted))
    expect((await analyticsReport(db, 30)).byDepartment).toEqual([
      {
        department: 'hr',
        model: 'q:hr',
        questions: 2,
        answeredByBot: 0,
        escalated: 2,
        helpful: 0,
        unhelpful: 0,
      },
      {
        department: 'hr',
        model: 'q:hr-v2',
        questions: 1,
        answeredByBot: 0,
        escalated: 1,
        helpful: 0,
        unhelpful: 0,
      },
      {
        department: null,
        model: 'q',
        questions: 1,
        answeredByBot: 1,
        escalated: 0,
        helpful: 0,
        unhelpful: 1,
      },
      {
        department: null,
        model: null,
        questions: 3,
        answeredByBot: 3,
        escalated: 0,
        helpful: 1,
        unhelpful: 0,
      },
    ])
    // Nothing before the window.
    expect((await analyticsReport(db, 30, new Date(Date.now() - 40 * 86_400_000))).totals.questions).toBe(0)
  })

  it('keeps unrelated questions apart even when they share a word', () => {
    const q = (text: string) => ({ text, at: '2026-12-01T00:00:00Z', escalated: true, unhelpful: false })
    const gaps = contentGaps([
      q('How do I book travel to Lisbon?'),
      q('travel booking for Lisbon trip'),
      q('Who approves travel to a conference?'),
      q('Is there a gym subsidy?'),
    ])
    expect(gaps.map((g) => g.count)).toEqual([2, 1, 1])
    expect(gaps[0]?.examples).toEqual(['How do I book travel to Lisbon?', 'travel booking for Lisbon trip'])
  })
})
