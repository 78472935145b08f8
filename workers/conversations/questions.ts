import { and, asc, desc, eq, lt, sql } from 'drizzle-orm'
import type { Place, Trigger } from '../../bots/types'
import type { Answer } from '../answering/types'
import { actorOf, auditFrom } from '../audit/log'
import { type Db, queryRows } from '../db/client'
import { inboundEvents, questions, threads } from '../db/schema'
import { FIRST_DELAY_S, MAX_DELAY_S } from '../jobs/retry'
import type { ChatTurn } from '../knowledge/search/follow-up'
import { cleanQuestionText } from './limits'

/**
 * Records an inbound event's identity; true the first time, false for every duplicate. The
 * INSERT … ON CONFLICT DO NOTHING is atomic, so of concurrent deliveries exactly one wins.
 */
export async function recordEvent(db: Db, key: string, platform: string): Promise<boolean> {
  const rows = await db
    .insert(inboundEvents)
    .values({ key, platform })
    .onConflictDoNothing()
    .returning({ key: inboundEvents.key })
  return rows.length === 1
}

/**
 * Forgets an event whose job could not be enqueued (and the question it recorded), so the
 * platform's retry is accepted as new.
 */
export async function forgetEvent(db: Db, key: string, questionId?: number): Promise<void> {
  if (questionId !== undefined) await db.delete(questions).where(eq(questions.id, questionId))
  await db.delete(inboundEvents).where(eq(inboundEvents.key, key))
}

export interface NewQuestion {
  place: Place
  messageTs: string
  asker: string
  askerName?: string | undefined
  text: string
  trigger: Trigger
}

/**
 * Records a question once: the event key (duplicates collapse, atomically), the question on the
 * ledger (status `queued`), its thread as the bot's and an `ask` row in the audit log (who, where;
 * the text stays on the ledger only), in one statement — one round trip on the webhook's
 * acknowledgement path. Returns the question id, or undefined for a duplicate.
 */
export async function recordQuestion(db: Db, key: string, q: NewQuestion): Promise<number | undefined> {
  const { platform, team, channel, threadTs } = q.place
  const text = cleanQuestionText(q.text)
  const [row] = await queryRows<{ id: number }>(
    db,
    sql`WITH event AS (
          INSERT INTO inbound_events (key, platform) VALUES (${key}, ${platform})
          ON CONFLICT DO NOTHING RETURNING key
        ), question AS (
          INSERT INTO questions (platform, team, channel, thread_ts, message_ts, asker, asker_name, text, trigger)
          SELECT ${platform}, ${team}, ${channel}, ${threadTs}, ${q.messageTs}, ${q.asker}, ${q.askerName ?? null}, ${text}, ${q.trigger}
          FROM event RETURNING id
        ), thread AS (
          INSERT INTO threads (platform, channel, thread_ts, asker)
          SELECT ${platform}, ${channel}, ${threadTs}, ${q.asker} FROM event
          ON CONFLICT DO NOTHING
        ), audit AS (
          ${auditFrom('question', {
            actor: sql`${actorOf({ platform, user: q.asker })}`,
            action: 'ask',
            subject: sql`'question:' || id`,
            before: sql`NULL`,
            after: sql`NULL`,
            detail: sql`jsonb_build_object('channel', ${channel}::text, 'trigger', ${q.trigger}::text)`,
          })}
        )
        SELECT id FROM question`,
    'record question',
  )
  return row?.id
}

/** Rows of a table (threads, questions) that belong to one conversation thread. */
function inThread(
  table: typeof threads | typeof questions,
  place: { platform: string; channel: string; threadTs: string },
) {
  return and(
    eq(table.platform, place.platform),
    eq(table.channel, place.channel),
    eq(table.threadTs, place.threadTs),
  )
}

/** Whether the bot answers in this thread (so a reply there is a question without a mention). */
export async function isBotThread(db: Db, place: Place): Promise<boolean> {
  const [row] = await db.select({ ts: threads.threadTs }).from(threads).where(inThread(threads, place))
  return !!row
}

export type QuestionRow = typeof questions.$inferSelect

/** One question by id. */
export async function questionById(db: Db, id: number): Promise<QuestionRow | undefined> {
  const [row] = await db.select().from(questions).where(eq(questions.id, id))
  return row
}

/** A person's latest question in a conversation (its channel: a DM, a group). */
export async function latestQuestionBy(
  db: Db,
  place: Pick<Place, 'platform' | 'channel'>,
  asker: string,
): Promise<QuestionRow | undefined> {
  const [row] = await db
    .select()
    .from(questions)
    .where(
      and(
        eq(questions.platform, place.platform),
        eq(questions.channel, place.channel),
        eq(questions.asker, asker),
      ),
    )
    .orderBy(desc(questions.id))
    .limit(1)
  return row
}

/**
 * The conversation so far in a question's thread (earlier questions and their answers), for
 * follow-ups: read from our own ledger, not from `conversations.replies`, which Slack rate-limits.
 */
export async function threadHistory(db: Db, q: QuestionRow, maxTurns = 6): Promise<ChatTurn[]> {
  const rows = await db
    .select({ text: questions.text, answer: questions.answer })
    .from(questions)
    .where(and(inThread(questions, q), lt(questions.id, q.id)))
    .orderBy(asc(questions.id))
  const turns: ChatTurn[] = []
  for (const r of rows.slice(-maxTurns)) {
    turns.push({ role: 'user', content: r.text })
    if (r.answer) turns.push({ role: 'assistant', content: r.answer })
  }
  return turns
}

/** Stores the answer given (or the escalation's holding reply) on the ledger. */
export async function markAnswered(
  db: Db,
  id: number,
  a: Pick<Answer, 'mode' | 'text' | 'citations' | 'confidence' | 'approval' | 'department' | 'model'>,
  status: 'answered' | 'escalated',
  answerTs?: string,
): Promise<void> {
  await db
    .update(questions)
    .set({
      status,
      mode: a.mode,
      answer: a.text,
      citations: a.citations,
      confidence: a.confidence,
      approvedAnswerId: a.approval?.id ?? null,
      // Kept when the answer says nothing of them: an approval delivered later does not forget
      // which department and model first answered (the canary's escalation rate counts it).
      ...(a.department ? { department: a.department.name, departmentBy: a.department.by } : {}),
      ...(a.model ? { model: a.model } : {}),
      // A message recorded when it first appeared (a stream) stays recorded.
      ...(answerTs !== undefined ? { answerTs } : {}),
      answeredAt: new Date(),
      claimedUntil: null,
      error: null,
    })
    .where(eq(questions.id, id))
}

/** Records that a question was refused (too long, too fast) and what its asker was told instead. */
export async function markRefused(db: Db, id: number, told: string, answerTs?: string): Promise<void> {
  await db
    .update(questions)
    .set({
      status: 'refused',
      mode: 'refused',
      answer: told,
      citations: [],
      ...(answerTs !== undefined ? { answerTs } : {}),
      answeredAt: new Date(),
      claimedUntil: null,
      error: null,
    })
    .where(eq(questions.id, id))
}

/** Sets a question's status (`escalated` while with the team, `rejected` after), and the reply shown. */
export async function setQuestionStatus(
  db: Db,
  id: number,
  status: 'escalated' | 'rejected',
  answer?: string,
): Promise<void> {
  await db
    .update(questions)
    .set({ status, ...(answer !== undefined ? { answer } : {}) })
    .where(eq(questions.id, id))
}

/** Counts a failed attempt at answering and lets go of the question for its retry. */
export async function countAttempt(db: Db, id: number, error?: string): Promise<void> {
  await db
    .update(questions)
    .set({ attempts: sql`${questions.attempts} + 1`, claimedUntil: null, ...(error ? { error } : {}) })
    .where(eq(questions.id, id))
}

/** Marks a question whose retries ran out: admins see it in the parked list. */
export async function markFailed(db: Db, id: number, error: string): Promise<void> {
  await db.update(questions).set({ status: 'failed', error }).where(eq(questions.id, id))
}

/**
 * Takes a queued question for one job for `leaseSeconds`: false when another job holds it (a
 * re-queued copy of a question still being answered), so only one of them answers. Also stamps
 * the attempt, which the cron's sweep reads.
 */
export async function claimQuestion(db: Db, id: number, leaseSeconds: number): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`UPDATE questions SET claimed_until = now() + make_interval(secs => ${leaseSeconds}::float8),
               last_attempt_at = now()
        WHERE id = ${id} AND status = 'queued' AND (claimed_until IS NULL OR claimed_until < now())
        RETURNING id`,
    'claim question',
  )
  return rows.length > 0
}

/**
 * Records the first visible message of an answer (Slack ts, Teams activity id) as soon as it
 * exists: a retry of a job that failed after it finishes or replaces that message.
 */
export async function recordPosted(db: Db, id: number, messageId: string): Promise<void> {
  await db.update(questions).set({ answerTs: messageId }).where(eq(questions.id, id))
}

/**
 * Questions accepted but left `queued` (no job has tried them for `staleMinutes` past the retry
 * their last failure scheduled: a Worker killed mid-answer, a job lost), asked within the last
 * `maxAgeHours`, oldest first.
 */
export async function staleQueuedQuestions(
  db: Db,
  staleMinutes: number,
  maxAgeHours: number,
  limit = 100,
): Promise<number[]> {
  const rows = await queryRows<{ id: number }>(
    db,
    sql`SELECT id FROM questions
        WHERE status = 'queued'
          -- A question waiting out its backoff (5 s doubling to 5 min after each failed attempt,
          -- workers/jobs/retry.ts) is not stale until its retry is overdue by staleMinutes.
          AND coalesce(last_attempt_at, created_at) < now() - make_interval(mins => ${staleMinutes}::int)
            - make_interval(secs => least(${MAX_DELAY_S}, ${FIRST_DELAY_S} * power(2, greatest(attempts, 1) - 1))::float8 * (attempts > 0)::int)
          AND created_at > now() - make_interval(hours => ${maxAgeHours}::int)
          AND (claimed_until IS NULL OR claimed_until < now())
        ORDER BY id LIMIT ${limit}`,
    'find stale questions',
  )
  return rows.map((r) => r.id)
}
