import type { ExecutionContext, Message, MessageBatch } from '@cloudflare/workers-types'
import { countAttempt, markFailed, questionById } from '../conversations/questions'
import { parkedJobs } from '../db/schema'
import { dingTalkOutbox } from '../dingtalk/outbox'
import type { Env } from '../env'
import { answerQuestion } from '../pipeline/answer-question'
import { deliverDecision } from '../pipeline/deliver'
import { escalateQuestion } from '../pipeline/escalate'
import { outboxFor, placeOf } from '../pipeline/places'
import { ingestUpload } from '../pipeline/upload'
import { runSyncJob } from '../pipeline/wiki-sync'
import { openServices, type Services } from '../services'
import { assistantThreadStarted } from '../slack/assistant'
import { responseUrlOutbox } from '../slack/outbox'
import type { Job } from './types'

/** Name of the dead-letter queue (wrangler.toml): jobs whose retries ran out land there. */
export const DEAD_LETTER_QUEUE = 'policybot-jobs-dlq'

/** Runs one job. Throws to have the queue retry it. */
export async function runJob(svc: Services, job: Job): Promise<void> {
  switch (job.type) {
    case 'answer':
      await answerQuestion(
        svc,
        job.questionId,
        job.responseUrl
          ? { outbox: responseUrlOutbox(job.responseUrl) }
          : job.dingtalkSession && svc.dingtalk
            ? { outbox: dingTalkOutbox(svc.dingtalk, job.dingtalkSession) }
            : {},
      )
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
      await assistantThreadStarted(svc, job.place)
      return
    case 'sync':
      await runSyncJob(svc, job.source)
      return
  }
}

/**
 * The queue consumer: each message is acked when its job succeeds and retried with backoff when it
 * throws (Slack down, database hiccup). After `max_retries` the queue moves it to the dead-letter
 * queue, where `parkJobs` records it.
 */
export async function consumeJobs(batch: MessageBatch<Job>, env: Env, ctx: ExecutionContext): Promise<void> {
  const svc = await openServices(env)
  try {
    if (batch.queue === DEAD_LETTER_QUEUE) {
      await parkJobs(svc, batch.messages)
      return
    }
    for (const msg of batch.messages) {
      try {
        await runJob(svc, msg.body)
        msg.ack()
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e)
        svc.warn(`job ${msg.body.type} failed (attempt ${msg.attempts}): ${error}`)
        if (msg.body.type === 'answer') await countAttempt(svc.db, msg.body.questionId, error).catch(() => {})
        msg.retry({ delaySeconds: Math.min(60, 2 ** msg.attempts) })
      }
    }
  } finally {
    // Not awaited: ending the Pool waits for the socket's close handshake, which must not hold
    // up the batch (the queue delivers the next one only when this invocation returns).
    ctx.waitUntil(svc.close())
  }
}

/**
 * Parks jobs whose retries ran out: recorded for admins (never dropped), the question marked
 * failed, and the asker told that the policy team will follow up.
 */
export async function parkJobs(svc: Services, messages: readonly Message<Job>[]): Promise<void> {
  for (const msg of messages) {
    const job = msg.body
    const q = job.type === 'answer' ? await questionById(svc.db, job.questionId) : undefined
    const error = q?.error ?? 'retries exhausted'
    await svc.db.insert(parkedJobs).values({ kind: job.type, body: job, error, attempts: msg.attempts })
    if (q) {
      await markFailed(svc.db, q.id, error)
      await outboxFor(svc, placeOf(q))
        .text(
          placeOf(q),
          "Sorry, I couldn't answer this just now. The policy team has been told and will follow up.",
        )
        .catch(() => {})
      const channel = svc.config.slack?.adminChannel
      if (svc.slack && channel) {
        await svc.slack
          .call('chat.postMessage', {
            channel,
            text: `:warning: A question from <@${q.asker}> could not be answered after ${msg.attempts} attempts (${error}): “${q.text}”`,
          })
          .catch(() => {})
      }
    }
    msg.ack()
  }
}
