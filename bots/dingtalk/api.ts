import type { DingTalkSession } from './events'
import type { DingTalkMarkdown } from './markdown'

/**
 * The DingTalk calls the bot makes (the only I/O of the adapter): a reply through the message's
 * session webhook while it is valid, otherwise the robot OpenAPI with an app access token
 * (cached until shortly before it expires): `oToMessages/batchSend` for a person,
 * `groupMessages/send` for a group, both with the `sampleMarkdown` template. Session webhook URLs
 * arrive in callbacks whose signature does not cover the body, so only DingTalk's own host is
 * ever posted to (the answer would otherwise go wherever a replayed body pointed).
 */
export interface DingTalkApiOptions {
  appKey: string
  appSecret: string
  /** The robot's code (often the app key). */
  robotCode: string
  /** Default `https://api.dingtalk.com` (tests point it at a local server). */
  apiUrl?: string
  /** The session webhook origin, default `https://oapi.dingtalk.com`. */
  sessionOrigin?: string
  fetch?: typeof fetch
  now?: () => number
}

export class DingTalkApiError extends Error {
  override readonly name = 'DingTalkApiError'
  readonly code = 'DINGTALK_API'
}

const tokens = new Map<string, { value: string; expiresAt: number }>()

export function createDingTalkApi(o: DingTalkApiOptions) {
  const api = (o.apiUrl ?? 'https://api.dingtalk.com').replace(/\/$/, '')
  const sessionOrigin = new URL(o.sessionOrigin ?? 'https://oapi.dingtalk.com').origin
  const doFetch = o.fetch ?? fetch
  const now = o.now ?? Date.now

  const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    let json: Record<string, unknown> = {}
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {}
    } catch {}
    if (!res.ok || (typeof json.errcode === 'number' && json.errcode !== 0)) {
      throw new DingTalkApiError(
        `DingTalk ${new URL(url).pathname} failed: ${res.status} ${String(json.errmsg ?? json.message ?? text).slice(0, 200)}`,
      )
    }
    return json
  }

  const accessToken = async (): Promise<string> => {
    const cached = tokens.get(o.appKey)
    if (cached && cached.expiresAt > now()) return cached.value
    const json = await post(`${api}/v1.0/oauth2/accessToken`, { appKey: o.appKey, appSecret: o.appSecret })
    const value = String(json.accessToken ?? '')
    if (!value) throw new DingTalkApiError('DingTalk accessToken: no token in the response')
    // Renewed five minutes early (DingTalk tokens last 7,200 s).
    tokens.set(o.appKey, { value, expiresAt: now() + (Number(json.expireIn ?? 7200) - 300) * 1000 })
    return value
  }

  return {
    /** Whether a session webhook may still be used (and is DingTalk's own). */
    sessionUsable(session: DingTalkSession | undefined): session is DingTalkSession {
      if (!session || session.expiresAt - 30_000 <= now()) return false
      try {
        return new URL(session.url).origin === sessionOrigin
      } catch {
        return false
      }
    },

    async sendBySession(
      session: DingTalkSession,
      md: DingTalkMarkdown,
      atUserIds: string[] = [],
    ): Promise<void> {
      await post(session.url, {
        msgtype: 'markdown',
        markdown: md,
        at: { atUserIds, isAtAll: false },
      })
    },

    /** One person, by staff id: `POST /v1.0/robot/oToMessages/batchSend`. */
    async sendToUser(staffId: string, md: DingTalkMarkdown): Promise<string | undefined> {
      const json = await post(
        `${api}/v1.0/robot/oToMessages/batchSend`,
        {
          robotCode: o.robotCode,
          userIds: [staffId],
          msgKey: 'sampleMarkdown',
          msgParam: JSON.stringify(md),
        },
        { 'x-acs-dingtalk-access-token': await accessToken() },
      )
      return typeof json.processQueryKey === 'string' ? json.processQueryKey : undefined
    },

    /** A group, by its open conversation id: `POST /v1.0/robot/groupMessages/send`. */
    async sendToGroup(openConversationId: string, md: DingTalkMarkdown): Promise<string | undefined> {
      const json = await post(
        `${api}/v1.0/robot/groupMessages/send`,
        {
          robotCode: o.robotCode,
          openConversationId,
          msgKey: 'sampleMarkdown',
          msgParam: JSON.stringify(md),
        },
        { 'x-acs-dingtalk-access-token': await accessToken() },
      )
      return typeof json.processQueryKey === 'string' ? json.processQueryKey : undefined
    },
  }
}

export type DingTalkApi = ReturnType<typeof createDingTalkApi>
