import { eq, inArray, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { recordQuestion } from '../../workers/conversations/questions'
import { questions } from '../../workers/db/schema'
import { REMOVED_TEXT } from '../../workers/pipeline/retention'
import { openServices } from '../../workers/services'
import { envWith, runCron } from './slack'

/** QUESTION_RETENTION_DAYS, enforced by the Worker's cron. */
describe('question retention', () => {
  it('erases the words of questions past retention that wait for nothing, and keeps the rest', async () => {
    const bindings = envWith({ QUESTION_RETENTION_DAYS: '30' })
    const svc = await openServices(bindings)
    const ids: Record<string, number> = {}
    try {
      for (const [name, daysAgo, status] of [
        ['old answered', 40, 'answered'],
        ['old escalated', 40, 'escalated'],
        ['old queued', 40, 'queued'],
        ['recent answered', 10, 'answered'],
      ] as const) {
        const ts = `retention-${name}-${Date.now()}`
        const id = await recordQuestion(svc.db, `test:${ts}`, {
          place: { platform: 'slack', team: 'T0RETAIN01', channel: 'C0RETAIN01', threadTs: ts },
          messageTs: ts,
          asker: 'U0RETAIN01',
          askerName: 'Jane Doe',
          text: `my ${name} question about leave`,
          trigger: 'mention',
        })
        ids[name] = id as number
        await svc.db
          .update(questions)
          .set({ status, createdAt: sql`now() - make_interval(days => ${daysAgo})` })
          .where(eq(questions.id, id as number))
      }
    } finally {
      await svc.close()
    }
    await runCron(bindings)
    const check = await openServices(bindings)
    try {
      const rows = await check.db
        .select({ id: questions.id, text: questions.text, askerName: questions.askerName })
        .from(questions)
        .where(inArray(questions.id, Object.values(ids)))
      const byId = new Map(rows.map((r) => [r.id, r]))
      expect(byId.get(ids['old answered'] as number)).toMatchObject({ text: REMOVED_TEXT, askerName: null })
      expect(byId.get(ids['old escalated'] as number)?.text).toBe('my old escalated question about leave')
      expect(byId.get(ids['old queued'] as number)?.text).toBe('my old queued question about leave')
      expect(byId.get(ids['recent answered'] as number)?.text).toBe('my recent answered question about leave')
    } finally {
      await check.close()
    }
  })
})
