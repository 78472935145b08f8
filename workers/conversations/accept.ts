import type { Job } from '../jobs/types'
import type { ReplyVia } from '../platform'
import type { Services } from '../services'
import { forgetEvent, type NewQuestion, recordEvent, recordQuestion } from './questions'

/**
 * The acknowledgement path every platform shares: record the inbound event once (duplicates and
 * redeliveries collapse on its key), then queue its job. If the queue refuses, the record is
 * undone and the error thrown, so the route answers 503 and the platform's redelivery is accepted
 * as new: no question is lost.
 */
export type Accepted = 'accepted' | 'duplicate'

/** What is stored in place of a question from another organisation: its words are not ours to keep. */
export const OUTSIDER_PLACEHOLDER = '(a question from another organisation; not stored)'

async function enqueueOrForget(svc: Services, key: string, job: Job): Promise<'accepted'> {
  try {
    await svc.env.JOBS.send(job)
  } catch (e) {
    await forgetEvent(svc.db, key, job.type === 'answer' ? job.questionId : undefined)
    throw e
  }
  return 'accepted'
}

/**
 * Records a question once and queues its answer job (with the platform's own way back, if any). With
 * `keep` (platforms whose redelivery of a refused callback is not documented: DingTalk), a queue
 * that refuses leaves the question recorded as `queued` and it counts as accepted: the cron's
 * sweep queues it later, instead of trusting the platform to send it again.
 */
export async function acceptQuestion(
  svc: Services,
  key: string,
  q: NewQuestion,
  replyVia?: ReplyVia,
  options: { whenQueueRefuses?: 'forget' | 'keep'; refusal?: 'outsider' } = {},
): Promise<Accepted> {
  const questionId = await recordQuestion(svc.db, key, q)
  if (questionId === undefined) return 'duplicate'
  const job: Job = {
    type: 'answer',
    questionId,
    ...(replyVia ? { replyVia } : {}),
    ...(options.refusal ? { refusal: options.refusal } : {}),
  }
  if (options.whenQueueRefuses !== 'keep') return enqueueOrForget(svc, key, job)
  try {
    await svc.env.JOBS.send(job)
  } catch (e) {
    svc.warn(
      `question ${questionId} is kept for the sweep: the queue refused it (${e instanceof Error ? e.message : String(e)})`,
    )
  }
  return 'accepted'
}

/** Records any other event once and queues its job. */
export async function acceptEvent(svc: Services, key: string, platform: string, job: Job): Promise<Accepted> {
  if (!(await recordEvent(svc.db, key, platform))) return 'duplicate'
  return enqueueOrForget(svc, key, job)
}
