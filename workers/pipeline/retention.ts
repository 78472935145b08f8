import { sql } from 'drizzle-orm'
import { queryRows } from '../db/client'
import type { Services } from '../services'

/** What a question's text becomes once its retention has passed. */
export const REMOVED_TEXT = '(removed: past the retention period)'
/** Questions erased per cron run at most, so one run stays short; the next run takes the rest. */
const BATCH = 1000

/**
 * QUESTION_RETENTION_DAYS, enforced by the cron: a question older than that, no longer waiting for
 * anything (answered, refused, rejected, parked), loses its words and its asker's display name.
 * The row stays, so counts and the conversation's shape survive; approved answers keep their own
 * (already redacted) question, which is the policy team's text now. Returns how many were erased.
 */
export async function eraseExpiredQuestions(svc: Services, now = new Date()): Promise<number> {
  const days = svc.config.questionRetentionDays
  if (days === undefined) return 0
  const before = new Date(now.getTime() - days * 86_400_000)
  const rows = await queryRows<{ id: number }>(
    svc.db,
    sql`UPDATE questions SET text = ${REMOVED_TEXT}, asker_name = NULL, error = NULL
        WHERE id IN (
          SELECT id FROM questions
          WHERE created_at < ${before.toISOString()}::timestamptz
            AND status NOT IN ('queued', 'escalated')
            AND text <> ${REMOVED_TEXT}
          ORDER BY id LIMIT ${BATCH})
        RETURNING id`,
    'erase expired questions',
  )
  return rows.length
}
