import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { z } from 'zod'
import { describeIssues } from '../../../bots/payload'
import { answer } from '../../answering/answer'
import { indexStats } from '../../knowledge/stats'
import type { Context } from '../context'
import type { Output } from '../output'
import { answerJson } from '../render'
import { ASK_PAGE } from './ask-page'

const AskBody = z.object({
  question: z.string().trim().min(1, 'question must not be empty').max(4000),
  history: z
    .array(z.object({ role: z.enum(['user', 'assistant']), content: z.string().max(8000) }))
    .max(20)
    .optional(),
})

/**
 * The local server's routes over an open context (exported for tests). Anyone who reaches the
 * port can ask, so answers use documents for everyone and the `audiences` the operator named.
 */
export function localApp(ctx: Context, out: Output, audiences: readonly string[] = []): Hono {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ ok: true }))
  app.get('/', (c) => c.html(ASK_PAGE))
  app.get('/api/stats', async (c) => c.json(await indexStats(ctx.database.db)))
  app.post('/api/ask', async (c) => {
    const body = await c.req.json().catch(() => undefined)
    const parsed = AskBody.safeParse(body)
    if (!parsed.success) {
      const message = body === undefined ? 'body must be JSON' : describeIssues(parsed.error)
      return c.json({ error: { message, type: 'invalid_request', code: 'BAD_REQUEST' } }, 400)
    }
    const a = await answer(
      {
        db: ctx.database.db,
        embedder: ctx.embedder,
        ...(ctx.chat ? { chat: ctx.chat } : {}),
        ...(ctx.config.abstainBelow !== undefined ? { abstainBelow: ctx.config.abstainBelow } : {}),
        warn: (m) => out.progress(`warning: ${m}`),
        audiences,
      },
      parsed.data.question,
      parsed.data.history ?? [],
    )
    return c.json(answerJson(a))
  })
  app.onError((err, c) => {
    out.progress(`error: ${err.message}`)
    return c.json({ error: { message: 'Internal error', type: 'server_error', code: 'INTERNAL' } }, 500)
  })
  return app
}

/**
 * `policybot serve`: the product on the embedded database, on 127.0.0.1 — a page to ask
 * questions and a JSON API (`POST /api/ask`). Runs until interrupted; closes the database on exit.
 */
export async function serveCommand(
  ctx: Context,
  port: number,
  out: Output,
  audiences: readonly string[] = [],
): Promise<void> {
  const app = localApp(ctx, out, audiences)
  await new Promise<void>((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
      out.result(
        `policybot is answering on http://127.0.0.1:${info.port}/ (data: ${ctx.config.dataDir}); Ctrl-C stops it.`,
      )
    })
    const stop = () => {
      server.close(() => resolve())
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
