import { Hono } from 'hono'
import { handleInteraction } from '../../bots/slack/actions'
import { parseSlackEvent } from '../../bots/slack/events'
import { parseSlackCommand, parseSlackInteraction } from '../../bots/slack/interactions'
import { verifySlackSignature } from '../../bots/slack/verify'
import type { InboundEvent } from '../../bots/types'
import { workerConfig } from '../config'
import { acceptEvent, acceptQuestion, OUTSIDER_PLACEHOLDER } from '../conversations/accept'
import { isBotThread } from '../conversations/questions'
import type { Env } from '../env'
import { logError } from '../errors'
import { problem } from '../http'
import { refusalText } from '../messages'
import { withServices } from '../services'

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

slackRoutes.post('/events', async (c) => {
  let event: InboundEvent
  try {
    const slack = workerConfig(c.env).slack
    event = parseSlackEvent(c.get('rawBody'), slack?.botUserId, slack?.teams)
  } catch (e) {
    return c.json(problem((e as Error).message, 'MALFORMED_PAYLOAD'), 400)
  }
  if (event.kind === 'url_verification') return c.json({ challenge: event.challenge })
  if (event.kind === 'unsupported') return c.json({ ok: true, ignored: event.reason })
  const outcome = await withServices(c.env, c.executionCtx, async (svc) => {
    switch (event.kind) {
      case 'question': {
        if (event.trigger === 'thread' && !(await isBotThread(svc.db, event.place))) return 'ignored'
        // Someone of another organisation is told politely, and their words are not kept.
        if (event.outsider)
          return acceptQuestion(svc, event.dedupeKey, { ...event, text: OUTSIDER_PLACEHOLDER }, undefined, {
            refusal: 'outsider',
          })
        return acceptQuestion(svc, event.dedupeKey, event)
      }
      case 'upload':
        return acceptEvent(svc, event.dedupeKey, 'slack', {
          type: 'upload',
          place: event.place,
          uploader: event.uploader,
          messageTs: event.messageTs,
          files: event.files,
        })
      case 'assistant_thread_started':
        return acceptEvent(svc, event.dedupeKey, 'slack', {
          type: 'assistant_started',
          place: event.place,
          user: event.user,
        })
    }
  }).catch((e: unknown) => {
    logError('could not accept Slack event', e)
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
  // The organisation boundary, as for events: a workspace SLACK_TEAMS does not list (nor its Grid
  // organisation) is told politely and nothing of it is kept.
  const teams = workerConfig(c.env).slack?.teams
  if (teams?.size && !teams.has(cmd.team) && !(cmd.enterprise && teams.has(cmd.enterprise))) {
    return c.json({
      response_type: 'ephemeral',
      text: refusalText('en', { kind: 'outsider' }),
    })
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
      cmd.responseUrl ? { responseUrl: cmd.responseUrl } : undefined,
    )
  })
  return c.json({ response_type: 'ephemeral', text: `:mag: Looking that up: “${cmd.text}”` })
})
