import { PolicybotError, reach, retryAfterHeader } from '../../workers/errors'
import type { AdaptiveCard } from './cards'

/**
 * The Bot Connector calls the bot makes (the only I/O of the adapter), over `fetch`: an app token
 * by OAuth client credentials (cached until shortly before it expires), then
 * `POST {serviceUrl}/v3/conversations/{id}/activities`. Hand-rolled on purpose: the botbuilder SDK
 * needs Node (axios, msal-node) and is not supported on Workers (notes/platforms.md §6.2).
 */
export interface BotConnectorOptions {
  appId: string
  appPassword: string
  /** `botframework.com` for multi-tenant bots, the tenant id for single-tenant ones. */
  tenant?: string
  /** Default `https://login.microsoftonline.com` (tests point it at a local server). */
  loginUrl?: string
  /** Microsoft Graph, for directory groups (default `https://graph.microsoft.com`). */
  graphUrl?: string
  fetch?: typeof fetch
  now?: () => number
}

export class BotConnectorError extends PolicybotError {
  constructor(
    message: string,
    /** HTTP status of the failed call (0: no response). */
    readonly httpStatus = 0,
    retryAfterSeconds?: number,
  ) {
    // Throttled (429), Bot Connector's own failures (5xx) and lost connections pass; a 4xx does not
    // (403 ContentStreamNotAllowed, 404 conversation gone, 400 bad activity).
    super('PLATFORM_ERROR', message, {
      status: 502,
      retryable: httpStatus === 0 || httpStatus === 429 || httpStatus === 408 || httpStatus >= 500,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    })
  }
}

/** A failed Bot Connector response as an error that says whether to try again and when. */
async function connectorError(res: Response): Promise<BotConnectorError> {
  const text = await res.text().catch(() => '')
  return new BotConnectorError(
    `Bot Connector ${res.status}: ${text.slice(0, 200)}`,
    res.status,
    res.status === 429 ? (retryAfterHeader(res.headers.get('retry-after')) ?? 1) : undefined,
  )
}

/** A Bot Connector request that got no response: retryable (status 0). */
const unreachable = (what: string) => new BotConnectorError(`Bot Connector unreachable: ${what}`)

const tokens = new Map<string, { value: string; expiresAt: number }>()

export function createBotConnector(o: BotConnectorOptions) {
  const doFetch = o.fetch ?? fetch
  const now = o.now ?? Date.now
  const login = (o.loginUrl ?? 'https://login.microsoftonline.com').replace(/\/$/, '')
  const tenant = o.tenant ?? 'botframework.com'

  const graph = (o.graphUrl ?? 'https://graph.microsoft.com').replace(/\/$/, '')

  /** An app token for the Bot Connector, or (with `scope`) for Graph in a tenant. */
  const token = async (
    scope = 'https://api.botframework.com/.default',
    authority = tenant,
  ): Promise<string> => {
    const key = `${o.appId}@${authority} ${scope}`
    const cached = tokens.get(key)
    if (cached && cached.expiresAt > now()) return cached.value
    const res = await doFetch(`${login}/${encodeURIComponent(authority)}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: o.appId,
        client_secret: o.appPassword,
        scope,
      }).toString(),
    })
    const json = (await res.json().catch(() => ({}))) as {
      access_token?: string
      expires_in?: number
      error_description?: string
    }
    if (!res.ok || !json.access_token) {
      throw new BotConnectorError(
        `Bot Framework token request failed: ${res.status} ${json.error_description ?? ''}`.trim(),
        res.status,
      )
    }
    tokens.set(key, { value: json.access_token, expiresAt: now() + ((json.expires_in ?? 3600) - 300) * 1000 })
    return json.access_token
  }

  const send = async (
    serviceUrl: string,
    conversationId: string,
    activity: Record<string, unknown>,
  ): Promise<string | undefined> => {
    const url = `${serviceUrl.replace(/\/$/, '')}/v3/conversations/${encodeURIComponent(conversationId)}/activities`
    const res = await reach(
      doFetch,
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
        body: JSON.stringify(activity),
      },
      unreachable,
    )
    if (!res.ok) throw await connectorError(res)
    const text = await res.text()
    try {
      return (JSON.parse(text) as { id?: string }).id
    } catch {
      return undefined
    }
  }

  /** Replaces an activity (the admin card after a decision): `PUT …/activities/{activityId}`. */
  const update = async (
    serviceUrl: string,
    conversationId: string,
    activityId: string,
    activity: Record<string, unknown>,
  ): Promise<void> => {
    const url = `${serviceUrl.replace(/\/$/, '')}/v3/conversations/${encodeURIComponent(conversationId)}/activities/${encodeURIComponent(activityId)}`
    const res = await reach(
      doFetch,
      url,
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
        body: JSON.stringify({ ...activity, id: activityId }),
      },
      unreachable,
    )
    if (!res.ok) throw await connectorError(res)
  }

  /**
   * Which of `groupIds` (Entra ID groups) a user is a member of, directly or through nested
   * groups: Graph's `checkMemberGroups`, 20 ids per request, with an app token of the user's
   * tenant (the app needs User.Read.All and GroupMember.Read.All, granted by an admin).
   */
  const memberGroups = async (
    userTenant: string,
    user: string,
    groupIds: readonly string[],
  ): Promise<string[]> => {
    // A single-tenant bot's own tenant; a legacy multi-tenant bot asks the user's.
    const authority = tenant === 'botframework.com' ? userTenant : tenant
    const found: string[] = []
    for (let i = 0; i < groupIds.length; i += 20) {
      const res = await reach(
        doFetch,
        `${graph}/v1.0/users/${encodeURIComponent(user)}/checkMemberGroups`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${await token('https://graph.microsoft.com/.default', authority)}`,
          },
          body: JSON.stringify({ groupIds: groupIds.slice(i, i + 20) }),
        },
        (what) => new BotConnectorError(`Microsoft Graph unreachable: ${what}`),
      )
      if (!res.ok) {
        const text = await res.text().catch(() => '')
        throw new BotConnectorError(
          `Microsoft Graph checkMemberGroups ${res.status}: ${text.slice(0, 200)}`,
          res.status,
          res.status === 429 ? (retryAfterHeader(res.headers.get('retry-after')) ?? 1) : undefined,
        )
      }
      const json = (await res.json().catch(() => ({}))) as { value?: unknown }
      if (Array.isArray(json.value))
        found.push(...json.value.filter((v): v is string => typeof v === 'string'))
    }
    return found
  }

  return {
    send,
    memberGroups,
    update,
    /**
     * Posts a card into a conversation; returns the activity id. The plain-text version goes in
     * `summary` (notifications, clients without cards), not `text`, which Teams would show as a
     * second message above the card (msteams-docs #1998).
     */
    sendCard: (serviceUrl: string, conversationId: string, card: AdaptiveCard, fallback: string) =>
      send(serviceUrl, conversationId, {
        type: 'message',
        summary: fallback.slice(0, 1000),
        attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: card }],
      }),
    sendText: (serviceUrl: string, conversationId: string, text: string) =>
      send(serviceUrl, conversationId, { type: 'message', text, textFormat: 'markdown' }),
  }
}

export type BotConnector = ReturnType<typeof createBotConnector>
