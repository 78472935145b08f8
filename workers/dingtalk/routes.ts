import { Hono } from 'hono'
import { parseDingTalkEvent } from '../../bots/dingtalk/events'
import { dingTalkOutbox } from '../../bots/dingtalk/outbox'
import { verifyDingTalkSignature } from '../../bots/dingtalk/verify'
import { workerConfig } from '../config'
import { acceptEvent, acceptQuestion, OUTSIDER_PLACEHOLDER } from '../conversations/accept'
import { latestQuestionBy } from '../conversations/questions'
import type { Env } from '../env'
import { logError } from '../errors'
import { problem } from '../http'
import { withServices } from '../services'

const NOTHING_TO_HAND_OVER =
  '这里还没有可以转交的问题，请先提出您的问题。There is no question here to hand to the policy team yet: ask it first.'

/**
 * DingTalk robot callbacks (HTTP mode): `POST /dingtalk/events`. The `timestamp` + `sign`
 * headers are checked first (401), then the body is parsed (400 for malformed input; other
 * message types are acknowledged and ignored), the message is recorded once by its `msgId`
 * (redeliveries collapse) and its answer job queued with the message's session webhook, and
 * DingTalk gets its 200 at once. Whether DingTalk redelivers a callback answered with 503 is not
 * documented, so a question the queue refuses stays recorded (200) and the cron's sweep queues it
 * later; only a database that cannot record it answers 503. "转人工" / "human" hands the asker's latest question
 * here to the policy team (DingTalk's "Ask a human").
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
  if (event.kind !== 'question' && event.kind !== 'handoff') {
    return c.json({ ok: true, ignored: event.kind === 'unsupported' ? event.reason : event.kind })
  }
  const outcome = await withServices(c.env, c.executionCtx, async (svc) => {
    if (event.kind === 'question') {
      return acceptQuestion(
        svc,
        event.dedupeKey,
        event.outsider ? { ...event, text: OUTSIDER_PLACEHOLDER } : event,
        event.session ? { session: event.session } : undefined,
        { whenQueueRefuses: 'keep', ...(event.outsider ? { refusal: 'outsider' as const } : {}) },
      )
    }
    // "转人工": the asker's latest question here goes to the policy team (the escalate job checks
    // that it is theirs and not already with the team, and tells them).
    const q = await latestQuestionBy(svc.db, event.place, event.asker)
    if (q) {
      return acceptEvent(svc, event.dedupeKey, 'dingtalk', {
        type: 'escalate',
        questionId: q.id,
        reason: 'asked',
        by: event.asker,
      })
    }
    if (svc.dingtalk) {
      await dingTalkOutbox(svc.dingtalk, event.session)
        .text(event.place, NOTHING_TO_HAND_OVER)
        .catch((e: unknown) => logError('could not answer a DingTalk handoff', e))
    }
    return 'nothing' as const
  }).catch((e: unknown) => {
    logError('could not accept DingTalk message', e)
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
