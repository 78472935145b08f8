import { Hono } from 'hono'
import { cardAction, parseActivity, teamsEvent, tenantOf } from '../../bots/teams/activities'
import { createBotFrameworkAuth } from '../../bots/teams/auth'
import { cardActionResponse } from '../../bots/teams/card-actions'
import { rememberConversation } from '../../bots/teams/conversations'
import { workerConfig } from '../config'
import { acceptQuestion } from '../conversations/accept'
import type { Env } from '../env'
import { logError } from '../errors'
import { problem } from '../http'
import { withServices } from '../services'

/**
 * Microsoft Teams: `POST /teams/messages`, the bot's messaging endpoint. The Bot Connector's JWT
 * is checked first (signing keys from the Bot Framework's OpenID metadata, cached per isolate;
 * issuer, audience = our app id, expiry, the token's serviceurl = the activity's), then the
 * tenant allow-list (403). A question is recorded once per activity id (the Connector retries on
 * any non-2xx), its conversation's `serviceUrl` remembered, its answer queued, and the Connector
 * gets 200 at once. Other activities are acknowledged and ignored for now.
 */
export const teamsRoutes = new Hono<{ Bindings: Env }>()

const auths = new Map<string, ReturnType<typeof createBotFrameworkAuth>>()

teamsRoutes.post('/messages', async (c) => {
  const config = workerConfig(c.env).teams
  if (!config)
    return c.json(
      problem('Teams is not configured (TEAMS_APP_ID, TEAMS_APP_PASSWORD).', 'NOT_CONFIGURED'),
      404,
    )
  const rawBody = new TextDecoder().decode(await c.req.arrayBuffer())
  let activity: ReturnType<typeof parseActivity>
  try {
    activity = parseActivity(rawBody)
  } catch (e) {
    return c.json(problem((e as Error).message, 'MALFORMED_PAYLOAD'), 400)
  }
  const key = `${config.appId} ${config.openIdMetadata}`
  let auth = auths.get(key)
  if (!auth) {
    auth = createBotFrameworkAuth({ appId: config.appId, metadataUrl: config.openIdMetadata })
    auths.set(key, auth)
  }
  const v = await auth.verify(c.req.header('authorization'), activity)
  if (!v.ok && v.reason === 'metadata_unavailable') {
    // Our side cannot check right now: not the caller's fault, and the Connector retries a 503.
    return c.json(
      problem('The Bot Framework signing keys are unavailable; retry.', 'UNAVAILABLE', 'server_error'),
      503,
    )
  }
  if (!v.ok) {
    return c.json(
      problem(`Bot Framework token check failed: ${v.reason}`, 'UNAUTHORIZED', 'authentication_error'),
      401,
    )
  }
  const tenant = tenantOf(activity)
  if (config.tenants.size > 0 && !(tenant && config.tenants.has(tenant))) {
    return c.json(
      problem(`Tenant ${tenant ?? '(none)'} may not use this bot.`, 'FORBIDDEN', 'permission_error'),
      403,
    )
  }
  const action = cardAction(activity)
  if (action) {
    const conversationId = activity.conversation.id
    const response = await withServices(c.env, c.executionCtx, (svc) =>
      cardActionResponse(svc, action, conversationId),
    )
    return c.json(response, 200)
  }
  const event = teamsEvent(activity)
  if (event.kind !== 'question') return c.body(null, 200)
  const outcome = await withServices(c.env, c.executionCtx, async (svc) => {
    await rememberConversation(svc.db, activity.conversation.id, tenant ?? 'teams', activity.serviceUrl)
    return acceptQuestion(svc, event.dedupeKey, event)
  }).catch((e: unknown) => {
    logError('could not accept Teams activity', e)
    return 'unavailable' as const
  })
  // A non-2xx makes the Connector retry, which is what a refused enqueue needs.
  if (outcome === 'unavailable')
    return c.json(problem('Temporarily unavailable.', 'UNAVAILABLE', 'server_error'), 503)
  return c.body(null, 200)
})
