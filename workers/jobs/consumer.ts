import type { ExecutionContext, MessageBatch } from '@cloudflare/workers-types'
import { and, eq, isNull, lt, or } from 'drizzle-orm'
import { questionLanguage } from '../answering/answer'
import { countAttempt, markFailed, type QuestionRow, questionById } from '../conversations/questions'
import { parkedJobs } from '../db/schema'
import type { Env } from '../env'
import { messageOf, retryAdvice } from '../errors'
import { parkedText } from '../messages'
import { answerQuestion } from '../pipeline/answer-question'
import { deliverDecision } from '../pipeline/deliver'
import { escalateQuestion } from '../pipeline/escalate'
import { outboxFor, placeOf } from '../pipeline/places'
import { ingestUpload } from '../pipeline/upload'
import { runSyncJob } from '../pipeline/wiki-sync'
import type { ParkedNotice } from '../platform'
import { openServices, type Services } from '../services'
import { retryDelaySeconds } from './retry'
import type { Job } from './types'

/** Name of the dead-letter queue (wrangler.toml): jobs whose retries ran out land there. */
export const DEAD_LETTER_QUEUE = 'policybot-jobs-dlq'

/** Runs one job. Throws to have the queue retry it. */
export async function runJob(svc: Services, job: Job): Promise<void> {
  switch (job.type) {
    case 'answer':
      await answerQuestion(svc, job.questionId, {
        ...(job.replyVia ? { replyVia: job.replyVia } : {}),
        ...(job.refusal ? { refusal: job.refusal } : {}),
      })
      return
    case 'escalate':
      await escalateQuestion(svc, job.questionId, job.reason, job.by)
      return
    case 'deliver':
      await deliverDecision(svc, job.escalationId)
      return
    case 'upload':
      await ingestUpload(svc, job)
      return
    case 'assistant_started':
      await svc.platforms.get(job.place.platform)?.greet?.(job.place)
      return
    case 'sync':
      await runSyncJob(svc, job.source)
      return
  }
}

/**
 * The queue consumer: each message is acked when its job succeeds. A failure that may pass (a
 * platform's rate limit or outage, a database hiccup) is retried after `retryDelaySeconds`, which
 * honours the platform's `Retry-After`; one that cannot pass (`channel_not_found`, a 403) is
 * parked at once with its reason. After MAX_ATTEMPTS the queue moves a job to the dead-letter
 * queue, whose consumer parks it too.
 */
export async function consumeJobs(batch: MessageBatch<Job>, env: Env, ctx: ExecutionContext): Promise<void> {
  // Each message has its own services and connection (a job's transaction never shares a
  // session with another job). wrangler.toml delivers one per invocation: a batch run side by
  // side would pass the Workers limit of six open connections per invocation.
  await Promise.all(
    batch.messages.map(async (msg) => {
      // A job runs many statements in a row: one connection for it.
      const svc = await openServices(env, { session: true })
      try {
        if (batch.queue === DEAD_LETTER_QUEUE) {
          await parkJob(svc, msg.body, msg.attempts)
          msg.ack()
          return
        }
        try {
          await runJob(svc, msg.body)
          msg.ack()
        } catch (e) {
          const error = messageOf(e)
          const advice = retryAdvice(e)
          svc.warn(`job ${msg.body.type} failed (attempt ${msg.attempts}): ${error}`)
          if (msg.body.type === 'answer')
            await countAttempt(svc.db, msg.body.questionId, error).catch(() => {})
          if (advice.retryable) {
            msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts, advice) })
          } else {
            await parkJob(svc, msg.body, msg.attempts, error)
            msg.ack()
          }
        }
      } finally {
        // Not awaited: ending the Pool waits for the socket's close handshake, which must not
        // hold up the batch (the queue delivers the next one only when this invocation returns).
        ctx.waitUntil(svc.close())
      }
    }),
  )
}

/**
 * Parks a job that cannot be done (never dropped): recorded for admins, the question marked
 * failed, and the asker and the admins told. A notice that fails now (the platform is still down)
 * is tried again by the cron (`retryParkedNotices`).
 */
export async function parkJob(svc: Services, job: Job, attempts: number, reason?: string): Promise<void> {
  const q = job.type === 'answer' ? await questionById(svc.db, job.questionId) : undefined
  const error = reason ?? q?.error ?? 'retries exhausted'
  const [parked] = await svc.db
    .insert(parkedJobs)
    .values({ kind: job.type, body: job, error, attempts })
    .returning()
  if (q) await markFailed(svc.db, q.id, error)
  if (parked) await tellAboutParked(svc, parked, q)
}

/** Most tries at telling the asker and the admins about a parked job (the cron runs every 30 minutes). */
const MAX_NOTICE_ATTEMPTS = 48

/**
 * Tells the asker (for a question) that the policy team will follow up, and every configured
 * admin place what failed; records what got through, so the cron tries again only what did not
 * (an admin place already told is not told twice).
 */
export async function tellAboutParked(
  svc: Services,
  row: typeof parkedJobs.$inferSelect,
  /** The question, when the caller has just read it. */
  known?: QuestionRow,
): Promise<void> {
  const job = row.body as Job
  const q = known ?? (job.type === 'answer' ? await questionById(svc.db, job.questionId) : undefined)
  let askerTold = row.askerToldAt !== null || !q
  if (!askerTold && q) {
    // (outboxFor throws at once for a platform not configured here: inside the async function,
    // that is a failed notice like any other.)
    askerTold = await (async () =>
      outboxFor(svc, placeOf(q), job.type === 'answer' ? job.replyVia : undefined).text(
        placeOf(q),
        parkedText(questionLanguage(q.text)),
      ))().then(
      () => true,
      (e: unknown) => {
        svc.warn(`parked job ${row.id}: the asker could not be told (${messageOf(e)})`)
        return false
      },
    )
  }
  const told = new Set(row.adminPlacesTold)
  if (row.adminsToldAt === null) {
    const notice: ParkedNotice = {
      id: row.id,
      kind: row.kind,
      attempts: row.attempts,
      error: row.error,
      ...(q
        ? { question: { platform: q.platform, asker: q.asker, askerName: q.askerName, text: q.text } }
        : {}),
    }
    for (const { platform, channel } of svc.platforms.admins) {
      if (told.has(platform)) continue
      await channel.alertParked(notice).then(
        () => told.add(platform),
        (e: unknown) =>
          svc.warn(`parked job ${row.id}: the ${platform} admin place could not be told (${messageOf(e)})`),
      )
    }
  }
  // With no admin place configured, the parked list (console, CLI) is the notice.
  const adminsTold = row.adminsToldAt !== null || svc.platforms.admins.every((a) => told.has(a.platform))
  await svc.db
    .update(parkedJobs)
    .set({
      ...(askerTold && !row.askerToldAt ? { askerToldAt: new Date() } : {}),
      ...(adminsTold && !row.adminsToldAt ? { adminsToldAt: new Date() } : {}),
      adminPlacesTold: [...told],
      noticeAttempts: row.noticeAttempts + 1,
    })
    .where(eq(parkedJobs.id, row.id))
}

/** The cron's second try (and later ones) at the notices of parked jobs that did not get through. */
export async function retryParkedNotices(svc: Services): Promise<number> {
  const rows = await svc.db
    .select()
    .from(parkedJobs)
    .where(
      and(
        or(isNull(parkedJobs.askerToldAt), isNull(parkedJobs.adminsToldAt)),
        lt(parkedJobs.noticeAttempts, MAX_NOTICE_ATTEMPTS),
      ),
    )
    .limit(100)
  // One parked job whose notices fail does not stop the others'.
  for (const r of rows)
    await tellAboutParked(svc, r).catch((e: unknown) =>
      svc.warn(`parked job ${r.id}: notices failed (${messageOf(e)})`),
    )
  return rows.length
}
