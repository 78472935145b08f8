import { and, eq, isNotNull, sql } from 'drizzle-orm'
import { OUTCOMES } from '../analytics/report'
import { appendAudit } from '../audit/log'
import { type Db, queryRows } from '../db/client'
import { departmentRollouts } from '../db/schema'
import { PolicybotError } from '../errors'
import type { Department } from './departments'

/**
 * Grey release per department: a new adapter version (or base model) answers a stated share of a
 * department's questions while the current one answers the rest; the two are compared on what
 * askers and the policy team did with their answers, then the new one is promoted or rolled back
 * in one step. Each step is one conditional statement with its audit row.
 *
 * Models are named as the runners serve them: `base` or `base:adapter`. A department with no row
 * here answers with the model DEPARTMENTS gives it; promoting writes the row, which from then on
 * wins over DEPARTMENTS (the console and CLI say so).
 */
export interface Rollout {
  department: string
  /** The model answering the department's questions (the canary's share aside); null: none set. */
  current: string | null
  /** Where `current` comes from: DEPARTMENTS, or a promotion recorded here. */
  currentFrom: 'config' | 'promoted'
  canary: string | null
  /** Share of the department's questions the canary answers (0..1). */
  share: number
  canarySince: Date | null
  canaryBy: string | null
}

/** The model DEPARTMENTS gives a department: `base:adapter`, or the base model without one. */
export function configuredModel(d: Department, baseModel: string): string {
  return d.adapter ? `${baseModel}:${d.adapter}` : baseModel
}

const MODEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(:[A-Za-z0-9][A-Za-z0-9._-]{0,63})?$/

/** Every configured department with its rollout state. */
export async function listRollouts(
  db: Db,
  departments: readonly Department[],
  baseModel: string,
): Promise<Rollout[]> {
  const rows = await db.select().from(departmentRollouts)
  return departments.map((d) =>
    rolloutFrom(
      d,
      rows.find((x) => x.department === d.name),
      baseModel,
    ),
  )
}

/** One department's rollout (undefined: not a configured department). */
export async function rolloutOf(
  db: Db,
  departments: readonly Department[],
  baseModel: string,
  name: string,
): Promise<Rollout | undefined> {
  const d = departments.find((x) => x.name === name)
  if (!d) return undefined
  const [r] = await db.select().from(departmentRollouts).where(eq(departmentRollouts.department, name))
  return rolloutFrom(d, r, baseModel)
}

/** A department's rollout from its row (none: DEPARTMENTS decides, no canary). */
function rolloutFrom(
  d: Department,
  r: typeof departmentRollouts.$inferSelect | undefined,
  baseModel: string,
): Rollout {
  return {
    department: d.name,
    current: r?.current ?? configuredModel(d, baseModel),
    currentFrom: r?.current ? 'promoted' : 'config',
    canary: r?.canary ?? null,
    share: r?.canary ? r.share : 0,
    canarySince: r?.canary ? r.canarySince : null,
    canaryBy: r?.canary ? r.canaryBy : null,
  }
}

/**
 * Which model answers a question: the canary for a stable `share` of the department's questions
 * (by question id, so a retried job asks the same model), the current model for the rest.
 */
export function pickModel(r: Rollout, questionId: number): { model: string | null; canary: boolean } {
  if (r.canary && r.share > 0 && bucket(questionId) < r.share) return { model: r.canary, canary: true }
  return { model: r.current, canary: false }
}

/** A question id's place in [0, 1): a multiplicative hash, so consecutive ids spread evenly. */
export function bucket(questionId: number): number {
  return ((Math.imul(questionId >>> 0, 0x9e3779b1) >>> 0) % 10_000) / 10_000
}

const bad = (message: string) => new PolicybotError('BAD_REQUEST', message, { status: 400 })

/** Starts (or changes) a canary: `model` answers `share` (0 < share ≤ 0.5) of the questions. */
export async function startCanary(
  db: Db,
  departments: readonly Department[],
  baseModel: string,
  input: { department: string; model: string; share: number; actor: string },
): Promise<Rollout> {
  const before = await rolloutOf(db, departments, baseModel, input.department)
  if (!before) throw bad(`no department "${input.department}" in DEPARTMENTS`)
  if (!MODEL.test(input.model))
    throw bad('the canary must be a model as the runners name it: base or base:adapter')
  if (input.model === before.current) throw bad(`${input.model} already answers ${input.department}`)
  if (!(input.share > 0 && input.share <= 0.5))
    throw bad('the share must be more than 0% and at most 50% (promote it to give it all)')
  const now = new Date()
  await db.transaction(async (tx) => {
    await tx
      .insert(departmentRollouts)
      .values({
        department: input.department,
        current: null,
        canary: input.model,
        share: input.share,
        canarySince: now,
        canaryBy: input.actor,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: departmentRollouts.department,
        set: {
          canary: input.model,
          share: input.share,
          // The comparison starts again when the canary itself changes, not for a new share.
          canarySince: sql`CASE WHEN ${departmentRollouts.canary} IS NOT DISTINCT FROM ${input.model} THEN ${departmentRollouts.canarySince} ELSE ${now.toISOString()}::timestamptz END`,
          canaryBy: input.actor,
          updatedAt: now,
        },
      })
    await appendAudit(tx as unknown as Db, {
      actor: input.actor,
      action: 'rollout',
      subject: `department:${input.department}`,
      before: before.canary ? `${before.canary} at ${Math.round(before.share * 100)}%` : null,
      after: `${input.model} at ${Math.round(input.share * 100)}%`,
      detail: { step: 'canary', current: before.current, canary: input.model, share: input.share },
    })
  })
  return (await rolloutOf(db, departments, baseModel, input.department)) as Rollout
}

/**
 * Ends a canary: `promote` makes it the department's model for every question, `rollback` sends
 * every question back to the current one. Only a running canary can end, once: of two admins
 * pressing at once, one wins and the other is told nothing was running.
 */
export async function endCanary(
  db: Db,
  departments: readonly Department[],
  baseModel: string,
  input: { department: string; step: 'promote' | 'rollback'; actor: string; expected?: string },
): Promise<Rollout> {
  const before = await rolloutOf(db, departments, baseModel, input.department)
  if (!before) throw bad(`no department "${input.department}" in DEPARTMENTS`)
  await db.transaction(async (tx) => {
    const ended = await tx
      .update(departmentRollouts)
      .set({
        ...(input.step === 'promote' ? { current: sql`${departmentRollouts.canary}` } : {}),
        canary: null,
        share: 0,
        canarySince: null,
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(departmentRollouts.department, input.department),
          isNotNull(departmentRollouts.canary),
          // The admin decided on what they saw: a canary changed meanwhile is not ended blindly.
          input.expected ? eq(departmentRollouts.canary, input.expected) : undefined,
        ),
      )
      .returning({ canary: departmentRollouts.current })
    if (!ended.length)
      throw new PolicybotError(
        'BAD_REQUEST',
        input.expected
          ? `${input.department} has no canary ${input.expected} running now`
          : `${input.department} has no canary running`,
        { status: 409 },
      )
    await appendAudit(tx as unknown as Db, {
      actor: input.actor,
      action: 'rollout',
      subject: `department:${input.department}`,
      before: before.current,
      after: input.step === 'promote' ? before.canary : before.current,
      detail: {
        step: input.step,
        current: before.current,
        canary: before.canary,
        share: before.share,
        since: before.canarySince?.toISOString() ?? null,
      },
    })
  })
  return (await rolloutOf(db, departments, baseModel, input.department)) as Rollout
}

/** How one model did with a department's questions since the canary started. */
export interface ModelOutcome {
  model: string | null
  questions: number
  /** Handed to the policy team (by the bot, or by the asker after the answer). */
  escalated: number
  helpful: number
  unhelpful: number
}

/** The current model against the canary, on the department's questions since it started. */
export async function compareRollout(db: Db, r: Rollout): Promise<ModelOutcome[]> {
  if (!r.canary || !r.canarySince) return []
  const rows = await queryRows<ModelOutcome>(
    db,
    sql`SELECT q.model, ${OUTCOMES}
        FROM questions q
        WHERE q.department = ${r.department} AND q.created_at >= ${r.canarySince.toISOString()}::timestamptz
          AND q.model IN (${r.current ?? ''}, ${r.canary})
        GROUP BY q.model`,
    'rollout comparison',
  )
  const of = (model: string | null): ModelOutcome =>
    rows.find((x) => x.model === model) ?? { model, questions: 0, escalated: 0, helpful: 0, unhelpful: 0 }
  return [of(r.current), of(r.canary)]
}
