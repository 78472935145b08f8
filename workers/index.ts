import type { ExportedHandler, Response as WorkerResponse } from '@cloudflare/workers-types'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Env } from './env'

/**
 * The Worker: chat-platform webhooks and the console API live here (the Slack issue adds them).
 * Errors become one JSON envelope `{ error: { message, type, code } }` in exactly this place.
 */
export const app = new Hono<{ Bindings: Env }>()

app.get('/healthz', (c) => c.json({ ok: true, service: 'policybot', runtime: navigator.userAgent }))

app.notFound((c) =>
  c.json(
    {
      error: { message: `No route for ${c.req.method} ${c.req.path}`, type: 'not_found', code: 'NOT_FOUND' },
    },
    404,
  ),
)

app.onError((err, c) => {
  if (err instanceof HTTPException) {
    return c.json(
      { error: { message: err.message, type: 'invalid_request', code: 'BAD_REQUEST' } },
      err.status,
    )
  }
  console.error('unhandled error', err)
  return c.json({ error: { message: 'Internal error', type: 'server_error', code: 'INTERNAL' } }, 500)
})

export default {
  // Hono is typed against the standard Fetch types, wrangler against workerd's: the same objects.
  fetch: async (request, env, ctx) =>
    (await app.fetch(request as unknown as Request, env, ctx)) as unknown as WorkerResponse,
} satisfies ExportedHandler<Env>
