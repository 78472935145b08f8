import { sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { z } from 'zod'
import { describeIssues } from '../../bots/payload'
import { analyticsReport } from '../analytics/report'
import { approvedExamples } from '../approved/export'
import { approvedById } from '../approved/store'
import { actorOf, auditFrom } from '../audit/log'
import { queryRows } from '../db/client'
import { problem } from '../http'
import { withServices } from '../services'
import { type ConsoleEnv, requireRole } from './auth'
import { citedSectionRoute } from './cited-section'

/**
 * The console's approved answers (`/api/approved`), for admins: every answer the team approved,
 * live or not, searchable, with where it was reused and how often; edit its text, change its
 * expiry, or withdraw it. Each change is one statement with its audit row.
 */
export const approvedRoutes = new Hono<ConsoleEnv>()

const bad = (message: string) => problem(message, 'BAD_REQUEST')

const ListQuery = z.object({
  q: z.string().trim().max(200).optional(),
  state: z.enum(['live', 'all']).default('live'),
})

approvedRoutes.get('/approved', requireRole('admin'), async (c) => {
  const query = ListQuery.safeParse(c.req.query())
  if (!query.success) return c.json(bad(describeIssues(query.error)), 400)
  const { q, state } = query.data
  const like = q ? `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null
  return withServices(c.env, c.executionCtx, async (svc) => {
    const rows = await queryRows<{
      id: number
      question: string
      answer: string
      citations: unknown
      approved_by: string
      approved_at: string | Date
      expires_at: string | Date
      withdrawn_at: string | Date | null
      withdrawn_reason: string | null
      reuses: number
      last_reused: string | Date | null
      platforms: string[] | null
    }>(
      svc.db,
      sql`SELECT a.id, a.question, a.answer, a.citations, a.approved_by, a.approved_at, a.expires_at,
                 a.withdrawn_at, a.withdrawn_reason,
                 count(q.id)::int AS reuses, max(q.created_at) AS last_reused,
                 array_remove(array_agg(DISTINCT q.platform), NULL) AS platforms
          FROM approved_answers a
          LEFT JOIN escalations e ON e.id = a.escalation_id
          LEFT JOIN questions q ON q.approved_answer_id = a.id AND q.id IS DISTINCT FROM e.question_id
          WHERE (${state === 'all'} OR (a.withdrawn_at IS NULL AND a.expires_at > now()))
            AND (${like}::text IS NULL OR a.question ILIKE ${like} OR a.answer ILIKE ${like})
          GROUP BY a.id
          ORDER BY a.approved_at DESC LIMIT 500`,
      'list approved answers',
    )
    c.header('cache-control', 'no-store')
    const iso = (d: string | Date | null) => (d === null ? null : new Date(d).toISOString())
    return c.json(
      rows.map((r) => ({
        id: r.id,
        question: r.question,
        answer: r.answer,
        citations: r.citations,
        approvedBy: r.approved_by,
        approvedAt: iso(r.approved_at),
        expiresAt: iso(r.expires_at),
        withdrawnAt: iso(r.withdrawn_at),
        withdrawnReason: r.withdrawn_reason,
        // Reuses: questions answered with it, besides the one it was approved for.
        reuses: r.reuses,
        lastReusedAt: iso(r.last_reused),
        reusedOn: r.platforms ?? [],
      })),
    )
  })
})

const Revise = z
  .object({
    answer: z.string().trim().min(1).max(3000).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((b) => b.answer !== undefined || b.expiresAt !== undefined, 'send answer and/or expiresAt')

/** Edits a live approved answer's text and/or expiry; reuse gives the new text from then on. */
approvedRoutes.patch('/approved/:id', requireRole('admin'), async (c) => {
  const id = Number(c.req.param('id'))
  const body = Revise.safeParse(await c.req.json().catch(() => undefined))
  if (!Number.isInteger(id)) return c.json(bad('approved answer id must be a number'), 400)
  if (!body.success) return c.json(bad(describeIssues(body.error)), 400)
  const { answer, expiresAt } = body.data
  if (expiresAt && Date.parse(expiresAt) <= Date.now())
    return c.json(bad('expiresAt must be in the future (withdraw the answer to stop it now)'), 400)
  return withServices(c.env, c.executionCtx, async (svc) => {
    const actor = actorOf({ platform: 'web', user: c.get('user').id })
    const rows = await queryRows<{ id: number }>(
      svc.db,
      sql`WITH old AS (SELECT id, answer, expires_at FROM approved_answers WHERE id = ${id} AND withdrawn_at IS NULL),
          revised AS (
            UPDATE approved_answers a SET answer = coalesce(${answer ?? null}::text, a.answer),
                   expires_at = coalesce(${expiresAt ?? null}::timestamptz, a.expires_at)
            FROM old WHERE a.id = old.id
            RETURNING a.id, a.answer, a.expires_at, old.answer AS old_answer, old.expires_at AS old_expires_at),
          audit AS (${auditFrom('revised', {
            actor: sql`${actor}`,
            action: 'revise',
            subject: sql`'approved:' || id`,
            before: sql`old_answer`,
            after: sql`answer`,
            detail: sql`jsonb_build_object('expiresBefore', old_expires_at, 'expiresAfter', expires_at)`,
          })})
          SELECT id FROM revised`,
      'revise an approved answer',
    )
    if (rows.length === 0)
      return c.json(problem(`No live approved answer ${id}`, 'NOT_FOUND', 'not_found'), 404)
    return c.json({ ok: true })
  })
})

const Withdraw = z.object({ reason: z.string().trim().max(500).optional() })

/** Withdraws an approved answer: it is never reused again, and leaves the LoRA export. */
approvedRoutes.post('/approved/:id/withdraw', requireRole('admin'), async (c) => {
  const id = Number(c.req.param('id'))
  const body = Withdraw.safeParse(await c.req.json().catch(() => ({})))
  if (!Number.isInteger(id) || !body.success) return c.json(bad('expected {"reason": "..."}'), 400)
  return withServices(c.env, c.executionCtx, async (svc) => {
    const by = c.get('user').id
    const reason = body.data.reason || `withdrawn by ${by}`
    const rows = await queryRows<{ id: number }>(
      svc.db,
      sql`WITH withdrawn AS (
            UPDATE approved_answers SET withdrawn_at = now(), withdrawn_reason = ${reason}
            WHERE id = ${id} AND withdrawn_at IS NULL RETURNING id, answer, withdrawn_reason),
          audit AS (${auditFrom('withdrawn', {
            actor: sql`${actorOf({ platform: 'web', user: by })}`,
            action: 'withdraw',
            subject: sql`'approved:' || id`,
            before: sql`answer`,
            after: sql`NULL`,
            detail: sql`jsonb_build_object('reason', withdrawn_reason)`,
          })})
          SELECT id FROM withdrawn`,
      'withdraw an approved answer',
    )
    if (rows.length === 0)
      return c.json(problem(`No live approved answer ${id}`, 'NOT_FOUND', 'not_found'), 404)
    return c.json({ ok: true })
  })
})

/**
 * The LoRA training export, as `policybot export-approved` writes it: JSONL of the live approved
 * answers citing documents for everyone, unless `?audience=a,b` adds audiences or `?audience=*`
 * takes all (an adapter answers everyone who reaches it).
 */
approvedRoutes.get('/approved/export.jsonl', requireRole('admin'), async (c) => {
  const raw = (c.req.query('audience') ?? '').trim()
  const audiences =
    raw === '*'
      ? undefined
      : raw
          .split(',')
          .map((a) => a.trim().toLowerCase())
          .filter(Boolean)
  // `?department=hr` writes one department's answers (`none`: of no department).
  const dep = c.req.query('department')?.trim().toLowerCase()
  const department = dep === undefined || dep === '' ? undefined : dep === 'none' ? null : dep
  if (department && !/^[a-z0-9][a-z0-9_-]{0,39}$/.test(department))
    return c.json(bad('`department` must be a department name or none'), 400)
  return withServices(c.env, c.executionCtx, async (svc) => {
    const examples = await approvedExamples(svc.db, new Date(), audiences, department)
    c.header('content-type', 'application/x-ndjson; charset=utf-8')
    c.header(
      'content-disposition',
      `attachment; filename="approved-answers${department ? `-${department}` : department === null ? '-none' : ''}.jsonl"`,
    )
    c.header('cache-control', 'no-store')
    return c.body(examples.map((e) => `${JSON.stringify(e)}\n`).join(''))
  })
})

/** The stored text of a section an approved answer cites (a source without a link). */
approvedRoutes.get(
  '/approved/:id/sources/:n',
  requireRole('admin'),
  citedSectionRoute('approved answer', async (svc, id) => (await approvedById(svc.db, id))?.citations),
)

const AnalyticsQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(30) })

/** The Analytics page's figures (workers/analytics/report.ts states what each one counts). */
approvedRoutes.get('/analytics', requireRole('admin'), async (c) => {
  const query = AnalyticsQuery.safeParse(c.req.query())
  if (!query.success) return c.json(bad(describeIssues(query.error)), 400)
  return withServices(c.env, c.executionCtx, async (svc) => {
    c.header('cache-control', 'no-store')
    return c.json(await analyticsReport(svc.db, query.data.days))
  })
})
