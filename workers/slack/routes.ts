import { Hono } from 'hono'
import { parseSlackEvent } from '../../bots/slack/events'
import { parseSlackCommand, parseSlackInteraction } from '../../bots/slack/interactions'
import { verifySlackSignature } from '../../bots/slack/verify'
import type { InboundEvent } from '../../bots/types'
import { workerConfig } from '../config'
import {
  forgetEvent,
  isBotThread,
  type NewQuestion,
  recordEvent,
  recordQuestion,
} from '../conversations/questions'
import type { Env } from '../env'
import { problem } from '../http'
import type { Job } from '../jobs/types'
import { type Services, withServices } from '../services'
import { handleInteraction } from './interactions'

type Vars = { rawBody: string }
export const slackRoutes = new Hono<{ Bindings: Env; Variables: Vars }>()

/**
 * Verifies Slack's signature over the raw body before anything is parsed: 401 for a bad or
 * missing signature or a stale timestamp; 404 when Slack is not configured on this deployment.
 */
export const verifySlack = () =>
  async function verifySlack(
    c: import('hono').Context<{ Bindings: Env; Variables: Vars }>,
    next: () => Promise<void>,
  ) {
    const secret = workerConfig(c.env).slack?.signingSecret
    if (!secret)
      return c.json(
        problem('Slack is not configured (SLACK_SIGNING_SECRET is not set).', 'NOT_CONFIGURED'),
        404,
      )
    // Bytes, not .text(): workerd warns on text() of form bodies, and the HMAC is over the raw bytes.
    const rawBody = new TextDecoder().decode(await c.req.arrayBuffer())
    const v = await verifySlackSignature({
      signingSecret: secret,
      timestamp: c.req.header('x-slack-request-timestamp'),
      signature: c.req.header('x-slack-signature'),
      rawBody,
    })
    if (!v.ok)
      return c.json(
        problem(`Slack signature check failed: ${v.reason}`, 'UNAUTHORIZED', 'authentication_error'),
        401,
      )
    c.set('rawBody', rawBody)
    await next()
  }

slackRoutes.use('*', verifySlack())

/**
 * Enqueues the job of a newly recorded event. If the queue refuses, the record is undone and the
 * caller answers 503, so Slack's retry delivers the event again: none is lost.
 */
async function enqueueOrForget(svc: Services, key: string, job: Job): Promise<'accepted'> {
  try {
    await svc.env.JOBS.send(job)
  } catch (e) {
    await forgetEvent(svc.db, key, job.type === 'answer' ? job.questionId : undefined)
    throw e
  }
  return 'accepted'
}

/** Records a question once and enqueues its answer job. */
async function acceptQuestion(svc: Services, key: string, q: NewQuestion, responseUrl?: string) {
  const questionId = await recordQuestion(svc.db, key, q)
  if (questionId === undefined) return 'duplicate'
  return enqueueOrForget(svc, key, { type: 'answer', questionId, ...(responseUrl ? { responseUrl } : {}) })
}

/** Records any other event once and enqueues its job. */
async function acceptEvent(svc: Services, key: string, job: Job) {
  if (!(await recordEvent(svc.db, key, 'slack'))) return 'duplicate'
  return enqueueOrForget(svc, key, job)
}

slackRoutes.post('/events', async (c) => {
  let event: InboundEvent
  try {
    event = parseSlackEvent(c.get('rawBody'), workerConfig(c.env).slack?.botUserId)
  } catch (e) {
    return c.json(problem((e as Error).message, 'MALFORMED_PAYLOAD'), 400)
  }
  if (event.kind === 'url_verification') return c.json({ challenge: event.challenge })
  if (event.kind === 'unsupported') return c.json({ ok: true, ignored: event.reason })
  const outcome = await withServices(c.env, c.executionCtx, async (svc) => {
    switch (event.kind) {
      case 'question': {
        if (event.trigger === 'thread' && !(await isBotThread(svc.db, event.place))) return 'ignored'
        return acceptQuestion(svc, event.dedupeKey, event)
      }
      case 'upload':
        return acceptEvent(svc, event.dedupeKey, {
          type: 'upload',
          place: event.place,
          uploader: event.uploader,
          messageTs: event.messageTs,
          files: event.files,
        })
      case 'assistant_thread_started':
        return acceptEvent(svc, event.dedupeKey, {
          type: 'assistant_started',
          place: event.place,
          user: event.user,
        })
    }
  }).catch((e: unknown) => {
    console.error('could not accept Slack event', e)
    return 'unavailable' as const
  })
  if (outcome === 'unavailable')
    return c.json(problem('Temporarily unavailable; Slack will retry.', 'UNAVAILABLE', 'server_error'), 503)
  return c.json({ ok: true, [outcome]: true })
})

slackRoutes.post('/interactions', async (c) => {
  let interaction: ReturnType<typeof parseSlackInteraction>
  try {
    interaction = parseSlackInteraction(c.get('rawBody'))
  } catch (e) {
    return c.json(problem((e as Error).message, 'MALFORMED_PAYLOAD'), 400)
  }
  const result = await withServices(c.env, c.executionCtx, (svc) => handleInteraction(svc, interaction))
  return result.body === undefined ? c.body(null, 200) : c.json(result.body, 200)
})

slackRoutes.post('/commands', async (c) => {
  let cmd: ReturnType<typeof parseSlackCommand>
  try {
    cmd = parseSlackCommand(c.get('rawBody'))
  } catch (e) {
    return c.json(problem((e as Error).message, 'MALFORMED_PAYLOAD'), 400)
  }
  if (!cmd.text) {
    return c.json({
      response_type: 'ephemeral',
      text: `Ask me a policy question, e.g. \`${cmd.command} how many vacation days do I get?\``,
    })
  }
  await withServices(c.env, c.executionCtx, async (svc) => {
    const key = `slack:command:${cmd.triggerId || `${cmd.user}:${cmd.text}`}`
    await acceptQuestion(
      svc,
      key,
      {
        // The command's answer is ephemeral (response_url); anything later (an approval) goes to a DM.
        place: { platform: 'slack', team: cmd.team, channel: cmd.user, threadTs: `command:${cmd.triggerId}` },
        messageTs: `command:${cmd.triggerId}`,
        asker: cmd.user,
        text: cmd.text,
        trigger: 'command',
      },
      cmd.responseUrl,
    )
  })
  return c.json({ response_type: 'ephemeral', text: `:mag: Looking that up: “${cmd.text}”` })
})
