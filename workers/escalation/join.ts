import { and, eq, isNull, ne } from 'drizzle-orm'
import { appendAudit } from '../audit/log'
import { type QuestionRow, threadHistory } from '../conversations/questions'
import type { Db } from '../db/client'
import { escalations, questions } from '../db/schema'
import { isFollowUp } from '../knowledge/search/follow-up'
import type { EscalationRow } from './escalations'

/** A question as compared for joining: case, spacing and punctuation do not count. */
export function normalizedQuestion(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, ' ')
    .trim()
}

/**
 * The same question asked again while the policy team has it open joins that escalation instead
 * of paging the team a second time: the question is marked as joined (and escalated), and the
 * decision reaches its asker too (deliverDecision). Only the same words in the same workspace of
 * the same platform, and never a follow-up ("and in Berlin?" means something else in every
 * thread): on either side its meaning depends on its conversation. Returns the escalation joined.
 */
export async function joinOpenEscalation(
  db: Db,
  q: QuestionRow,
  actor: string,
): Promise<EscalationRow | undefined> {
  const key = normalizedQuestion(q.text)
  if (!key || isFollowUp(q.text, await threadHistory(db, q))) return undefined
  const open = await db
    .select({ e: escalations, q: questions })
    .from(escalations)
    .innerJoin(questions, eq(questions.id, escalations.questionId))
    .where(
      and(
        eq(escalations.status, 'open'),
        eq(questions.platform, q.platform),
        eq(questions.team, q.team),
        ne(questions.id, q.id),
      ),
    )
    .orderBy(escalations.id)
  for (const { e, q: first } of open) {
    if (normalizedQuestion(first.text) !== key) continue
    if (isFollowUp(first.text, await threadHistory(db, first))) continue
    const joined = await db
      .update(questions)
      .set({ joinedEscalationId: e.id, status: 'escalated' })
      .where(and(eq(questions.id, q.id), isNull(questions.joinedEscalationId)))
      .returning({ id: questions.id })
    if (joined.length === 0) return undefined
    await appendAudit(db, {
      actor,
      action: 'escalate',
      subject: `escalation:${e.id}`,
      detail: { joined: true, questionId: q.id },
    })
    return e
  }
  return undefined
}

/** Questions waiting on an escalation they joined (their decision not yet delivered to them). */
export async function joinedWaiting(db: Db, escalationId: number) {
  return db
    .select()
    .from(questions)
    .where(and(eq(questions.joinedEscalationId, escalationId), eq(questions.status, 'escalated')))
    .orderBy(questions.id)
}
