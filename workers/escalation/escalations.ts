import { and, eq, isNull, lt, or, sql } from 'drizzle-orm'
import type { EscalationView, ReplyCitation } from '../../bots/reply'
import { questionLanguage } from '../answering/answer'
import type { Citation } from '../answering/types'
import { auditFrom } from '../audit/log'
import type { Db } from '../db/client'
import { escalations, questions } from '../db/schema'
import { PolicybotError } from '../errors'

export type EscalationReason = 'abstain' | 'low_confidence' | 'ungrounded' | 'asked' | 'feedback'
export type Decision =
  | { status: 'approved'; by: string; sources?: number[] }
  | { status: 'edited'; by: string; answer: string; sources?: number[] }
  | { status: 'rejected'; by: string; reason: string | null }

export type EscalationRow = typeof escalations.$inferSelect

/**
 * Opens an escalation for a question, or returns the one already open for it (a question is with
 * the team at most once at a time). `created` says which.
 */
export async function openEscalation(
  db: Db,
  input: {
    questionId: number
    reason: EscalationReason
    draft: string | null
    citations: Citation[]
    confidence: number | null
    /** Who handed it over, as the audit log names them: the asker ("Ask a human"), or the system. */
    actor: string
  },
): Promise<{ row: EscalationRow; created: boolean }> {
  // The escalation and its audit row in one statement: opened exactly when it is recorded.
  const opened = db.$with('opened').as(
    db
      .insert(escalations)
      .values({
        questionId: input.questionId,
        reason: input.reason,
        draft: input.draft,
        citations: input.citations,
        confidence: input.confidence,
      })
      .onConflictDoNothing()
      .returning(),
  )
  const audit = db.$with('audit', {}).as(
    auditFrom('opened', {
      actor: sql`${input.actor}`,
      action: 'escalate',
      subject: sql`'escalation:' || id`,
      before: sql`NULL`,
      after: sql`draft`,
      detail: sql`jsonb_build_object('reason', reason, 'questionId', question_id)`,
    }),
  )
  const [row] = await db.with(opened, audit).select().from(opened)
  if (row) return { row, created: true }
  const [existing] = await db
    .select()
    .from(escalations)
    .where(and(eq(escalations.questionId, input.questionId), eq(escalations.status, 'open')))
  if (!existing)
    throw new PolicybotError('DB_ERROR', `Could not open an escalation for question ${input.questionId}`)
  return { row: existing, created: false }
}

/** Remembers where the escalation's admin message is, to update it after a decision. */
export async function setAdminMessage(db: Db, id: number, channel: string, ts: string): Promise<void> {
  await db.update(escalations).set({ adminChannel: channel, adminTs: ts }).where(eq(escalations.id, id))
}

/**
 * Applies an admin's decision if the escalation is still open, and appends it to the audit log.
 * One statement: a conditional UPDATE, of two admins deciding at once exactly one changes the row
 * (`won`), with the audit row (the draft before, the answer given after) inserted from what the
 * UPDATE returned, so a decision never exists without its record and a lost race writes none.
 * The loser gets the row as the winner left it, to be told who decided. `actor` is the person as
 * the audit log names them (`actorOf`); `decision.by` is how answers and cards show them.
 */
export async function decideEscalation(
  db: Db,
  id: number,
  decision: Decision,
  actor: string,
): Promise<{ won: boolean; row: EscalationRow | undefined }> {
  const decided = db.$with('decided').as(
    db
      .update(escalations)
      .set({
        status: decision.status,
        decidedBy: decision.by,
        decidedAt: new Date(),
        ...(decision.status === 'edited' ? { finalAnswer: decision.answer } : {}),
        ...(decision.status === 'approved' ? { finalAnswer: sql`${escalations.draft}` } : {}),
        ...(decision.status === 'rejected' ? { rejectReason: decision.reason } : {}),
        ...(decision.status !== 'rejected' && decision.sources ? { finalSources: decision.sources } : {}),
      })
      .where(and(eq(escalations.id, id), eq(escalations.status, 'open')))
      .returning(),
  )
  const verb = { approved: 'approve', edited: 'edit', rejected: 'reject' }[decision.status]
  const audit = db.$with('audit', {}).as(
    auditFrom('decided', {
      actor: sql`${actor}`,
      action: 'decide',
      subject: sql`'escalation:' || id`,
      before: sql`draft`,
      after: sql`final_answer`,
      detail: sql`jsonb_strip_nulls(jsonb_build_object('decision', ${verb}::text, 'by', decided_by,
        'questionId', question_id, 'reason', reject_reason, 'sources', final_sources))`,
    }),
  )
  const [row] = await db.with(decided, audit).select().from(decided)
  if (row) return { won: true, row }
  const [current] = await db.select().from(escalations).where(eq(escalations.id, id))
  return { won: false, row: current }
}

/**
 * An admin's Approve or Reject as a decision. An answer text that differs from the draft makes
 * the approval an edit; approving with neither a draft nor a text is not possible.
 */
export function decisionOf(
  draft: string | null,
  by: string,
  action: 'approve' | 'reject',
  input: { answer?: string | undefined; reason?: string | undefined; sources?: number[] | undefined },
): Decision | 'needs_answer' {
  if (action === 'reject') return { status: 'rejected', by, reason: input.reason?.trim() || null }
  const answer = input.answer?.trim() ?? ''
  if (!answer && !draft) return 'needs_answer'
  const sources = input.sources ? { sources: [...new Set(input.sources)] } : {}
  return answer && answer !== (draft ?? '').trim()
    ? { status: 'edited', by, answer, ...sources }
    : { status: 'approved', by, ...sources }
}

/** What adapters render (`EscalationView`) plus the rows it came from. */
export type EscalationDetails = EscalationView & {
  row: EscalationRow
  questionRow: typeof questions.$inferSelect
}

/** An escalation with its question, as admins and adapters see it. */
export async function escalationView(db: Db, id: number): Promise<EscalationDetails | undefined> {
  const [r] = await db
    .select({ e: escalations, q: questions })
    .from(escalations)
    .innerJoin(questions, eq(questions.id, escalations.questionId))
    .where(eq(escalations.id, id))
  if (!r) return undefined
  return {
    id: r.e.id,
    question: r.q.text,
    questionRow: r.q,
    row: r.e,
    asker: r.q.asker,
    askerName: r.q.askerName,
    language: questionLanguage(r.q.text),
    channel: r.q.channel,
    reason: r.e.reason,
    department: r.q.department,
    draft: r.e.draft,
    citations: r.e.citations as ReplyCitation[],
    confidence: r.e.confidence,
    status: r.e.status as EscalationView['status'],
    decidedBy: r.e.decidedBy,
    finalAnswer: r.e.finalAnswer,
    rejectReason: r.e.rejectReason,
  }
}

/** Open escalations older than `hours` not reminded within `hours`: due for a reminder. */
export async function dueForReminder(db: Db, hours: number, now = new Date()): Promise<EscalationRow[]> {
  const cutoff = new Date(now.getTime() - hours * 3_600_000)
  return db
    .select()
    .from(escalations)
    .where(
      and(
        eq(escalations.status, 'open'),
        lt(escalations.createdAt, cutoff),
        or(isNull(escalations.remindedAt), lt(escalations.remindedAt, cutoff)),
      ),
    )
}

/** Records that a reminder went out. */
export async function markReminded(db: Db, id: number, now = new Date()): Promise<void> {
  await db.update(escalations).set({ remindedAt: now }).where(eq(escalations.id, id))
}

/** Open escalations, oldest first (the web console's list). */
export async function openEscalations(db: Db): Promise<EscalationRow[]> {
  return db.select().from(escalations).where(eq(escalations.status, 'open')).orderBy(escalations.id)
}

/** The escalation open for a question, if any. */
export async function openEscalationOf(db: Db, questionId: number): Promise<EscalationRow | undefined> {
  const [row] = await db
    .select()
    .from(escalations)
    .where(and(eq(escalations.questionId, questionId), eq(escalations.status, 'open')))
  return row
}
