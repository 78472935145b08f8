import { and, isNull, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { approvedAnswers } from '../db/schema'

/**
 * Withdraws every live approved answer citing a document version that is being replaced or
 * deleted: the answer may no longer be true. Runs inside the caller's transaction.
 */
export async function withdrawApprovedFor(db: Db, documentId: number, reason: string): Promise<number> {
  const rows = await db
    .update(approvedAnswers)
    .set({ withdrawnAt: new Date(), withdrawnReason: reason })
    .where(
      and(
        isNull(approvedAnswers.withdrawnAt),
        sql`${approvedAnswers.documentIds} @> ARRAY[${documentId}]::integer[]`,
      ),
    )
    .returning({ id: approvedAnswers.id })
  return rows.length
}
