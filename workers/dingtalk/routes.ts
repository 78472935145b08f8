import { Hono } from 'hono'
import { parseDingTalkEvent } from '../../bots/dingtalk/events'
import { verifyDingTalkSignature } from '../../bots/dingtalk/verify'
import { workerConfig } from '../config'
import { acceptQuestion } from '../conversations/accept'
import type { Env } from '../env'
import { problem } from '../http'
import { withServices } from '../services'

/**
 * DingTalk robot callbacks (HTTP mode): `POST /dingtalk/events`. The `timestamp` + `sign`
 * headers are checked first (401), then the body is parsed (400 for malformed input; other
 * message types are acknowledged and ignored), the message is recorded once by its `msgId`
 * (redeliveries collapse) and its answer job queued with the message's session webhook, and
 * DingTalk gets its 200 at once. A queue that refuses undoes the record and answers 503, so
 * DingTalk's redelivery is accepted as new.
 */
export const dingtalkRoutes = new Hono<{ Bindings: Env }>()

dingtalkRoutes.post('/events', async (c) => {
  const config = workerConfig(c.env).dingtalk
  if (!config) {
    return c.json(
      problem('DingTalk is not configured (DINGTALK_APP_KEY, DINGTALK_APP_SECRET).', 'NOT_CONFIGURED'),
      404,
    )
  }
  const v = await verifyDingTalkSignature({
    appSecret: config.appSecret,
    timestamp: c.req.header('timestamp'),
    sign: c.req.header('sign'),
  })
  if (!v.ok) {
    return c.json(
      problem(`DingTalk signature check failed: ${v.reason}`, 'UNAUTHORIZED', 'authentication_error'),
      401,
    )
  }
  const rawBody = new TextDecoder().decode(await c.req.arrayBuffer())
  let event: ReturnType<typeof parseDingTalkEvent>
  try {
    event = parseDingTalkEvent(rawBody)
  } catch (e) {
    return c.json(problem((e as Error).message, 'MALFORMED_PAYLOAD'), 400)
  }
  if (event.kind !== 'question') {
    return c.json({ ok: true, ignored: event.kind === 'unsupported' ? event.reason : event.kind })
  }
  const outcome = await withServices(c.env, c.executionCtx, (svc) =>
    acceptQuestion(svc, event.dedupeKey, event, event.session ? { dingtalkSession: event.session } : {}),
  ).catch((e: unknown) => {
    console.error('could not accept DingTalk message', e)
    return 'unavailable' as const
  })
  if (outcome === 'unavailable') {
    return c.json(
      problem('Temporarily unavailable; DingTalk will redeliver.', 'UNAVAILABLE', 'server_error'),
      503,
    )
  }
  return c.json({ ok: true, [outcome]: true })
})
