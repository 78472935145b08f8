import type { ExportedHandler, Response as WorkerResponse } from '@cloudflare/workers-types'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ConfigError } from './config'
import { dingtalkConsole } from './dingtalk/console'
import { dingtalkRoutes } from './dingtalk/routes'
import type { Env } from './env'
import { isPolicybotError, logError, messageOf } from './errors'
import { problem } from './http'
import { consumeJobs, retryParkedNotices } from './jobs/consumer'
import type { Job } from './jobs/types'
import { metricsRoutes } from './metrics/routes'
import { remindOpenEscalations } from './pipeline/reminders'
import { eraseExpiredQuestions } from './pipeline/retention'
import { requeueStaleQuestions } from './pipeline/sweep'
import { enqueueSyncJobs } from './pipeline/wiki-sync'
import { openServices } from './services'
import { slackRoutes } from './slack/routes'
import { teamsRoutes } from './teams/routes'
import { webRoutes } from './web/routes'

/**
 * The Worker: Slack webhooks (`/slack/*`), the local web page and console API (`/`, `/api/*`,
 * when WEB_CONSOLE=on), the job queue consumer and the reminder cron. Errors become one JSON
 * envelope `{ error: { message, type, code } }` in exactly this place.
 */
export { RateBudgetObject } from './rate-budget'

export const app = new Hono<{ Bindings: Env }>()

app.get('/healthz', (c) => c.json({ ok: true, service: 'policybot', runtime: navigator.userAgent }))
app.route('/metrics', metricsRoutes)
app.route('/slack', slackRoutes)
app.route('/dingtalk', dingtalkRoutes)
app.route('/dingtalk', dingtalkConsole)
app.route('/teams', teamsRoutes)
app.route('/', webRoutes)

app.notFound((c) =>
  c.json(problem(`No route for ${c.req.method} ${c.req.path}`, 'NOT_FOUND', 'not_found'), 404),
)

app.onError((err, c) => {
  if (err instanceof HTTPException) {
    return c.json(problem(err.message, 'BAD_REQUEST'), err.status)
  }
  if (err instanceof ConfigError) {
    console.error(err.message)
    return c.json(problem(err.message, err.code, 'server_error'), 500)
  }
  if (isPolicybotError(err)) {
    // A client's mistake says what it was; our failure (a platform or the database down) says
    // which kind, not its internals, and when a retry is worth it.
    if (err.status < 500) return c.json(problem(err.message, err.code), err.status as 400)
    console.error(messageOf(err))
    if (err.retryAfterSeconds !== undefined) c.header('retry-after', String(Math.ceil(err.retryAfterSeconds)))
    const what = err.code === 'PLATFORM_ERROR' ? 'A chat platform failed; try again.' : 'Internal error'
    return c.json(problem(what, err.code, 'server_error'), err.status as 500)
  }
  logError('unhandled error', err)
  return c.json(problem('Internal error', 'INTERNAL', 'server_error'), 500)
})

export default {
  // Hono is typed against the standard Fetch types, wrangler against workerd's: the same objects.
  fetch: async (request, env, ctx) =>
    (await app.fetch(request as unknown as Request, env, ctx)) as unknown as WorkerResponse,
  queue: async (batch, env, ctx) => consumeJobs(batch, env, ctx),
  scheduled: async (_controller, env, ctx) => {
    const svc = await openServices(env, { session: true })
    ctx.waitUntil(
      Promise.all([
        remindOpenEscalations(svc).catch((e: unknown) => logError('reminders failed', e)),
        enqueueSyncJobs(svc).catch((e: unknown) => logError('enqueueing wiki sync failed', e)),
        requeueStaleQuestions(svc).catch((e: unknown) => logError('sweeping stale questions failed', e)),
        retryParkedNotices(svc).catch((e: unknown) => logError('parked-job notices failed', e)),
        eraseExpiredQuestions(svc).catch((e: unknown) => logError('erasing expired questions failed', e)),
      ]).finally(() => svc.close()),
    )
  },
} satisfies ExportedHandler<Env, Job>
