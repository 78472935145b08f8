import { staleQueuedQuestions } from '../conversations/questions'
import type { Services } from '../services'

/**
 * A question is swept when no job has tried it for this long. Live retries try again at most every
 * 5 minutes (workers/jobs/retry.ts), so a question still in its retry schedule is never swept; one
 * whose job was lost (the Worker killed after Slack got its 200) is.
 */
export const STALE_MINUTES = 15
/** Questions older than this are left alone (their askers were told nothing for a week). */
const MAX_AGE_HOURS = 7 * 24

/**
 * The cron's sweep: questions accepted but neither answered, escalated nor parked, and not tried
 * for STALE_MINUTES, are queued again. Safe with the pipeline's claim: a question still being
 * answered is not answered twice. Returns how many were queued.
 */
export async function requeueStaleQuestions(svc: Services): Promise<number> {
  const ids = await staleQueuedQuestions(svc.db, STALE_MINUTES, MAX_AGE_HOURS)
  if (ids.length === 0) return 0
  await svc.env.JOBS.sendBatch(ids.map((questionId) => ({ body: { type: 'answer' as const, questionId } })))
  svc.warn(`re-queued ${ids.length} question(s) left unanswered for over ${STALE_MINUTES} minutes`)
  return ids.length
}
