import { staleQueuedQuestions } from '../conversations/questions'
import type { Services } from '../services'

/**
 * A question is swept when no job has tried it for `SWEEP_AFTER_MINUTES` (default 15). Live
 * retries try again at most every 5 minutes (workers/jobs/retry.ts), so a question still in its
 * retry schedule is never swept; one whose job was lost (the Worker killed after Slack got its
 * 200) is. A shorter setting is safe (the claim keeps a question from being answered twice) but
 * queues more duplicate jobs.
 */
/** Questions older than this are left alone (their askers were told nothing for a week). */
const MAX_AGE_HOURS = 7 * 24

/**
 * The cron's sweep: questions accepted but neither answered, escalated nor parked, and not tried
 * for SWEEP_AFTER_MINUTES, are queued again. Safe with the pipeline's claim: a question still being
 * answered is not answered twice. Returns how many were queued.
 */
export async function requeueStaleQuestions(svc: Services): Promise<number> {
  const minutes = svc.config.sweepAfterMinutes
  const ids = await staleQueuedQuestions(svc.db, minutes, MAX_AGE_HOURS)
  if (ids.length === 0) return 0
  await svc.env.JOBS.sendBatch(ids.map((questionId) => ({ body: { type: 'answer' as const, questionId } })))
  svc.warn(`re-queued ${ids.length} question(s) left unanswered for over ${minutes} minutes`)
  return ids.length
}
