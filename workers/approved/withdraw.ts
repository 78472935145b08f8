import { and, isNull, sql } from 'drizzle-orm'
import { auditFrom, SYSTEM_ACTOR } from '../audit/log'
import type { Db } from '../db/client'
import { approvedAnswers } from '../db/schema'

/**
 * Withdraws every live approved answer citing a document version that is being replaced or
 * deleted: the answer may no longer be true. Runs inside the caller's transaction. Each withdrawal
 * is appended to the audit log in the same statement, under `actor`: whoever changed the document.
 */
export async function withdrawApprovedFor(
  db: Db,
  documentId: number,
  reason: string,
  actor: string = SYSTEM_ACTOR,
): Promise<number> {
  const withdrawn = db.$with('withdrawn').as(
    db
      .update(approvedAnswers)
      .set({ withdrawnAt: new Date(), withdrawnReason: reason })
      .where(
        and(
          isNull(approvedAnswers.withdrawnAt),
          sql`${approvedAnswers.documentIds} @> ARRAY[${documentId}]::integer[]`,
        ),
      )
      .returning({
        id: approvedAnswers.id,
        answer: approvedAnswers.answer,
        escalationId: approvedAnswers.escalationId,
      }),
  )
  const audit = db.$with('audit', {}).as(
    auditFrom('withdrawn', {
      actor: sql`${actor}`,
      action: 'withdraw',
      subject: sql`'approved:' || id`,
      before: sql`answer`,
      after: sql`NULL`,
      detail: sql`jsonb_strip_nulls(jsonb_build_object('reason', ${reason}::text,
        'documentId', ${documentId}::integer, 'escalationId', escalation_id))`,
    }),
  )
  const rows = await db.with(withdrawn, audit).select({ id: withdrawn.id }).from(withdrawn)
  return rows.length
}
