import { Hono } from 'hono'
import { z } from 'zod'
import { describeIssues } from '../../bots/payload'
import { actorOf } from '../audit/log'
import { compareRollout, endCanary, listRollouts, startCanary } from '../departments/rollout'
import { problem } from '../http'
import { withServices } from '../services'
import { type ConsoleEnv, requireRole } from './auth'

/**
 * The console's view of generation (admins): every runner's state, models, adapters and queue,
 * as the Worker's router sees them (`GET /api/fleet`), and each department's model with its
 * canary (`/api/rollouts/…`): start or change one, compare it with the current model, promote
 * or roll it back. Each rollout step is written with its audit row.
 */
export const fleetRoutes = new Hono<ConsoleEnv>()

const bad = (message: string) => problem(message, 'BAD_REQUEST')

fleetRoutes.get('/fleet', requireRole('admin'), async (c) =>
  withServices(c.env, c.executionCtx, async (svc) => {
    const base = svc.config.runner?.model ?? 'default'
    const rollouts = await listRollouts(svc.db, svc.config.departments, base)
    const departments = await Promise.all(
      rollouts.map(async (r) => {
        const d = svc.config.departments.find((x) => x.name === r.department)
        return {
          ...r,
          canarySince: r.canarySince?.toISOString() ?? null,
          channels: d?.channels ?? [],
          sources: d?.sources ?? [],
          comparison: await compareRollout(svc.db, r),
          // A model no runner serves is answered for by the base model (or, for a canary, the
          // current one): the page says so rather than letting the numbers mislead.
          currentServed: r.current && svc.fleet ? await svc.fleet.serves(r.current) : false,
          canaryServed: r.canary && svc.fleet ? await svc.fleet.serves(r.canary) : null,
        }
      }),
    )
    c.header('cache-control', 'no-store')
    return c.json({
      baseModel: base,
      runners: svc.fleet ? await svc.fleet.health() : [],
      departments,
    })
  }),
)

const CanaryBody = z.object({
  model: z.string().trim().min(1).max(130),
  /** Percent of the department's questions, 1 to 50. */
  percent: z.number().int().min(1).max(50),
})
const EndBody = z.object({ canary: z.string().trim().min(1).max(130) })

fleetRoutes.post('/rollouts/:department/canary', requireRole('admin'), async (c) => {
  const body = CanaryBody.safeParse(await c.req.json().catch(() => undefined))
  if (!body.success)
    return c.json(
      bad(`expected {"model": "base:adapter", "percent": 1-50}: ${describeIssues(body.error)}`),
      400,
    )
  return withServices(c.env, c.executionCtx, async (svc) => {
    const base = svc.config.runner?.model ?? 'default'
    // A model no runner serves would send its share to the current model anyway: say so now.
    if (svc.fleet && !(await svc.fleet.serves(body.data.model)))
      return c.json(bad(`no runner serves ${body.data.model}: load the adapter first`), 409)
    const r = await startCanary(svc.db, svc.config.departments, base, {
      department: c.req.param('department'),
      model: body.data.model,
      share: body.data.percent / 100,
      actor: actorOf({ platform: 'web', user: c.get('user').id }),
    })
    return c.json({ ...r, canarySince: r.canarySince?.toISOString() ?? null })
  })
})

for (const step of ['promote', 'rollback'] as const) {
  fleetRoutes.post(`/rollouts/:department/${step}`, requireRole('admin'), async (c) => {
    const body = EndBody.safeParse(await c.req.json().catch(() => undefined))
    if (!body.success) return c.json(bad('expected {"canary": "<the canary model shown>"}'), 400)
    return withServices(c.env, c.executionCtx, async (svc) => {
      const r = await endCanary(svc.db, svc.config.departments, svc.config.runner?.model ?? 'default', {
        department: c.req.param('department'),
        step,
        expected: body.data.canary,
        actor: actorOf({ platform: 'web', user: c.get('user').id }),
      })
      return c.json({ ...r, canarySince: null })
    })
  })
}
