import { and, asc, desc, eq, lt, ne, sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { z } from 'zod'
import { describeIssues } from '../../bots/payload'
import type { Citation } from '../answering/types'
import { approvedById } from '../approved/store'
import { auditJson, listAudit, parseAuditFilter } from '../audit/list'
import { actorOf } from '../audit/log'
import { workerConfig } from '../config'
import { questionById, recordQuestion } from '../conversations/questions'
import { approvedAnswers, escalations, feedback, questions } from '../db/schema'
import { decideEscalation, decisionOf, escalationView } from '../escalation/escalations'
import { problem } from '../http'
import { answerQuestion } from '../pipeline/answer-question'
import { deliverDecision } from '../pipeline/deliver'
import { escalateQuestion } from '../pipeline/escalate'
import { type Services, withServices } from '../services'
import { adapterRoutes } from './adapter-routes'
import { approvedRoutes } from './approved-routes'
import { type ConsoleEnv, type ConsoleUser, consoleGate, csrfToken, localLogin, requireRole } from './auth'
import { citedSectionRoute } from './cited-section'
import { CONSOLE_JS } from './console-app'
import { fleetRoutes } from './fleet-routes'
import { libraryRoutes } from './library-routes'
import { WEB_PAGE } from './page'

/**
 * The `web` adapter: the local page and its JSON API, on only when WEB_CONSOLE=on (`npm start`).
 * Questions go through the same pipeline as Slack's (ledger → approved-answer reuse → answer or
 * escalate). Who may do what is workers/web/auth.ts: the signed-in user asks (and sees only their
 * own web questions); admins list and decide escalations of every platform.
 */
export const webRoutes = new Hono<ConsoleEnv>()

const bad = (message: string) => problem(message, 'BAD_REQUEST')
const notFound = (message: string) => problem(message, 'NOT_FOUND', 'not_found')

webRoutes.use('*', consoleGate())
webRoutes.route('/api', libraryRoutes)
webRoutes.route('/api', approvedRoutes)
webRoutes.route('/api', adapterRoutes)
webRoutes.route('/api', fleetRoutes)

const AskBody = z.object({
  question: z.string().trim().min(1, 'question must not be empty').max(4000),
  conversation: z
    .string()
    .regex(/^[\w-]{1,64}$/)
    .nullish(),
})

type QuestionRow = typeof questions.$inferSelect
type Approval = { approvedBy: string; approvedAt: Date } | null

/** A question as the page shows it, with the approval it was answered with. */
function questionView(q: QuestionRow, approval: Approval) {
  return {
    id: q.id,
    conversation: q.threadTs,
    question: q.text,
    status: q.status,
    mode: q.mode,
    answer: q.answer,
    citations: (q.citations as Citation[] | null) ?? [],
    confidence: q.confidence,
    department: q.department,
    departmentBy: q.departmentBy,
    model: q.model,
    askedAt: q.createdAt.toISOString(),
    ...(approval ? { approval: { by: approval.approvedBy, at: approval.approvedAt.toISOString() } } : {}),
  }
}

async function questionJson(svc: Services, id: number) {
  const q = await questionById(svc.db, id)
  if (!q) return undefined
  const approval = q.approvedAnswerId ? await approvedById(svc.db, q.approvedAnswerId) : undefined
  return questionView(q, approval ?? null)
}

webRoutes.get('/', (c) => {
  // Scripts only from the console's own origin: no inline script runs, whatever a page shows.
  c.header(
    'content-security-policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  )
  return c.html(WEB_PAGE)
})
webRoutes.get('/console.js', (c) => {
  c.header('content-type', 'text/javascript; charset=utf-8')
  c.header('cache-control', 'no-cache')
  c.header('x-content-type-options', 'nosniff')
  return c.body(CONSOLE_JS)
})
webRoutes.get('/login', localLogin)

/** Who is signed in, their role, and the CSRF token their changes carry. */
webRoutes.get('/api/session', async (c) => {
  const user = c.get('user')
  c.header('cache-control', 'no-store')
  return c.json({
    user: user.id,
    role: user.role,
    csrf: await csrfToken(c.get('console'), user),
    maxUploadBytes: workerConfig(c.env).maxUploadBytes,
  })
})

webRoutes.post('/api/ask', async (c) => {
  const body = await c.req.json().catch(() => undefined)
  const parsed = AskBody.safeParse(body)
  if (!parsed.success) {
    const message =
      body === undefined ? 'body must be JSON: {"question": "..."}' : describeIssues(parsed.error)
    return c.json(bad(message), 400)
  }
  return withServices(c.env, c.executionCtx, async (svc) => {
    const conversation = parsed.data.conversation ?? crypto.randomUUID()
    const messageTs = crypto.randomUUID()
    const id = await recordQuestion(svc.db, `web:${messageTs}`, {
      place: { platform: 'web', team: 'local', channel: 'web', threadTs: conversation },
      messageTs,
      asker: c.get('user').id,
      text: parsed.data.question,
      trigger: 'web',
    })
    // A fresh random key cannot collide; recordQuestion only returns nothing for a duplicate.
    if (id === undefined) throw new Error('question was not recorded')
    await answerQuestion(svc, id)
    return c.json(await questionJson(svc, id))
  })
})

/** A question the user may see: one they asked on the web, or any for an admin; otherwise none (404). */
async function ownQuestion(svc: Services, user: ConsoleUser, id: number) {
  const q = await questionById(svc.db, id)
  if (!q) return undefined
  return user.role === 'admin' || (q.platform === 'web' && q.asker === user.id) ? q : undefined
}

webRoutes.get('/api/questions/:id', async (c) => {
  const id = Number(c.req.param('id'))
  if (!Number.isInteger(id)) return c.json(bad('question id must be a number'), 400)
  return withServices(c.env, c.executionCtx, async (svc) => {
    const q = (await ownQuestion(svc, c.get('user'), id)) ? await questionJson(svc, id) : undefined
    return q ? c.json(q) : c.json(notFound(`No question ${id}`), 404)
  })
})

webRoutes.post('/api/questions/:id/escalate', async (c) => {
  const id = Number(c.req.param('id'))
  if (!Number.isInteger(id)) return c.json(bad('question id must be a number'), 400)
  return withServices(c.env, c.executionCtx, async (svc) => {
    const user = c.get('user')
    if (!(await ownQuestion(svc, user, id))) return c.json(notFound(`No question ${id}`), 404)
    return c.json({ result: await escalateQuestion(svc, id, 'asked', user.id) })
  })
})

/** The signed-in user's own web questions, oldest first (the page's history), with their votes. */
webRoutes.get('/api/history', async (c) =>
  withServices(c.env, c.executionCtx, async (svc) => {
    const user = c.get('user')
    // One query: the questions, the user's vote on each, and the approval each was answered with.
    const rows = await svc.db
      .select({
        q: questions,
        vote: feedback.helpful,
        approvedBy: approvedAnswers.approvedBy,
        approvedAt: approvedAnswers.approvedAt,
      })
      .from(questions)
      .leftJoin(feedback, and(eq(feedback.questionId, questions.id), eq(feedback.voter, user.id)))
      .leftJoin(approvedAnswers, eq(approvedAnswers.id, questions.approvedAnswerId))
      .where(and(eq(questions.platform, 'web'), eq(questions.asker, user.id)))
      .orderBy(desc(questions.id))
      .limit(200)
    const list = rows.reverse().map((r) => ({
      ...questionView(
        r.q,
        r.approvedBy && r.approvedAt ? { approvedBy: r.approvedBy, approvedAt: r.approvedAt } : null,
      ),
      ...(r.vote === null ? {} : { feedback: r.vote ? 'up' : 'down' }),
    }))
    c.header('cache-control', 'no-store')
    return c.json(list)
  }),
)

const Vote = z.object({ helpful: z.boolean() })

/** Thumbs up or down on one of the user's answers; the last vote counts (as in Slack). */
webRoutes.post('/api/questions/:id/feedback', async (c) => {
  const id = Number(c.req.param('id'))
  const body = Vote.safeParse(await c.req.json().catch(() => undefined))
  if (!Number.isInteger(id) || !body.success)
    return c.json(bad('expected /api/questions/<id>/feedback with {"helpful": true|false}'), 400)
  return withServices(c.env, c.executionCtx, async (svc) => {
    const user = c.get('user')
    if (!(await ownQuestion(svc, user, id))) return c.json(notFound(`No question ${id}`), 404)
    await svc.db
      .insert(feedback)
      .values({ questionId: id, voter: user.id, helpful: body.data.helpful })
      .onConflictDoUpdate({
        target: [feedback.questionId, feedback.voter],
        set: { helpful: body.data.helpful, at: new Date() },
      })
    return c.json({ ok: true })
  })
})

/** The stored text of a cited section (a source without a link), for a question the user may see. */
webRoutes.get(
  '/api/questions/:id/sources/:n',
  citedSectionRoute('question', async (svc, id, c) => (await ownQuestion(svc, c.get('user'), id))?.citations),
)

webRoutes.get(
  '/api/escalations/:id/sources/:n',
  requireRole('admin'),
  citedSectionRoute('escalation', async (svc, id) => (await escalationView(svc.db, id))?.citations),
)

const EscalationQuery = z.object({
  status: z.enum(['open', 'decided']).default('open'),
  platform: z.enum(['slack', 'teams', 'dingtalk', 'web']).optional(),
})

/**
 * The escalation queue for admins, every platform: open ones oldest first (waiting longest on top),
 * or decided ones newest first; `?platform=` narrows it. Each with the question's earlier turns in
 * its conversation, so the admin sees what a follow-up follows.
 */
webRoutes.get('/api/escalations', requireRole('admin'), async (c) => {
  const query = EscalationQuery.safeParse(c.req.query())
  if (!query.success) return c.json(bad(describeIssues(query.error)), 400)
  const { status, platform } = query.data
  return withServices(c.env, c.executionCtx, async (svc) => {
    const rows = await svc.db
      .select({
        e: escalations,
        q: questions,
        // How many more asked it the same way (joined this escalation): in the same query.
        alsoAsked: sql<number>`(SELECT count(*)::int FROM questions j WHERE j.joined_escalation_id = ${escalations.id})`,
      })
      .from(escalations)
      .innerJoin(questions, eq(questions.id, escalations.questionId))
      .where(
        and(
          status === 'open' ? eq(escalations.status, 'open') : ne(escalations.status, 'open'),
          platform ? eq(questions.platform, platform) : undefined,
        ),
      )
      .orderBy(status === 'open' ? asc(escalations.id) : desc(escalations.decidedAt))
      .limit(100)
    const list = []
    for (const { e, q, alsoAsked } of rows) {
      const earlier = await svc.db
        .select({ question: questions.text, answer: questions.answer })
        .from(questions)
        .where(
          and(
            eq(questions.platform, q.platform),
            eq(questions.channel, q.channel),
            eq(questions.threadTs, q.threadTs),
            lt(questions.id, q.id),
          ),
        )
        .orderBy(desc(questions.id))
        .limit(3)
      list.push({
        id: e.id,
        questionId: q.id,
        alsoAsked,
        question: q.text,
        asker: q.askerName ?? q.asker,
        platform: q.platform,
        reason: e.reason,
        department: q.department,
        model: q.model,
        draft: e.draft,
        citations: e.citations,
        confidence: e.confidence,
        status: e.status,
        createdAt: e.createdAt.toISOString(),
        decidedBy: e.decidedBy,
        decidedAt: e.decidedAt?.toISOString() ?? null,
        finalAnswer: e.finalAnswer,
        rejectReason: e.rejectReason,
        earlier: earlier.reverse(),
      })
    }
    c.header('cache-control', 'no-store')
    return c.json(list)
  })
})

const Decide = z.object({
  answer: z.string().trim().max(3000).optional(),
  reason: z.string().trim().max(1000).optional(),
  /** The draft's source numbers the approved answer keeps (the console's picker). */
  sources: z.array(z.number().int().positive()).max(50).optional(),
})

webRoutes.post('/api/escalations/:id/:action{approve|reject}', requireRole('admin'), async (c) => {
  const id = Number(c.req.param('id'))
  const action = c.req.param('action')
  const body = Decide.safeParse(await c.req.json().catch(() => ({})))
  if (!Number.isInteger(id) || !body.success)
    return c.json(bad('expected /api/escalations/<id>/approve|reject with a JSON body'), 400)
  return withServices(c.env, c.executionCtx, async (svc) => {
    const by = c.get('user').id
    const view = await escalationView(svc.db, id)
    if (!view) return c.json(notFound(`No escalation ${id}`), 404)
    const decision = decisionOf(view.draft, by, action === 'reject' ? 'reject' : 'approve', body.data)
    if (decision === 'needs_answer')
      return c.json(bad('There is no draft: write the answer to approve.'), 400)
    const { won, row } = await decideEscalation(svc.db, id, decision, actorOf({ platform: 'web', user: by }))
    if (!won) {
      return c.json(
        problem(`Already ${row?.status} by ${row?.decidedBy}`, 'ALREADY_DECIDED', 'conflict'),
        409,
      )
    }
    await deliverDecision(svc, id)
    return c.json({ ok: true, status: decision.status })
  })
})

/**
 * The audit log, newest first, for admins: `?since=ISO&actor=slack:U1&action=decide&subject=
 * escalation:5&limit=100`, and `before=<id>` for the page after the last row shown.
 */
webRoutes.get('/api/audit', requireRole('admin'), async (c) => {
  const filter = parseAuditFilter(c.req.query())
  return withServices(c.env, c.executionCtx, async (svc) => {
    const rows = await listAudit(svc.db, filter)
    c.header('cache-control', 'no-store')
    return c.json(rows.map(auditJson))
  })
})
