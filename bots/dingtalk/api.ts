import { PolicybotError, reach, retryAfterHeader } from '../../workers/errors'
import type { DingTalkSession } from './events'
import type { DingTalkMarkdown } from './markdown'

/**
 * The DingTalk calls the bot makes (the only I/O of the adapter): a reply through the message's
 * session webhook while it is valid, otherwise the robot OpenAPI with an app access token
 * (cached until shortly before it expires): `oToMessages/batchSend` for a person,
 * `groupMessages/send` for a group, with the `sampleMarkdown` or an ActionCard template; and who
 * signed in on DingTalk's OAuth page (the approval console). Session webhook URLs
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
  /** The old API's origin (session webhooks, `topapi`), default `https://oapi.dingtalk.com`. */
  sessionOrigin?: string
  fetch?: typeof fetch
  now?: () => number
}

export class DingTalkApiError extends PolicybotError {
  constructor(message: string, options: { retryable?: boolean; retryAfterSeconds?: number } = {}) {
    super('PLATFORM_ERROR', message, { status: 502, retryable: options.retryable ?? false, ...options })
  }
}

/**
 * DingTalk's answers a later try can get past: throttling (HTTP 429; errcode 90002, the platform-
 * wide limit of one API; 90018 and 90019, an app's per-second limits; 88 and -1, "system busy")
 * and its own failures (5xx); the rest (bad token, unknown user, a bad message, 90020 "monthly
 * quota used up") fail the same way every time. Codes from DingTalk's "call frequency limit" page.
 */
function dingTalkRetryable(status: number, errcode: unknown): boolean {
  return status === 429 || status >= 500 || [-1, 88, 90002, 90018, 90019].includes(errcode as number)
}

/**
 * DingTalk's IP-level limit answers a page, not an error code (`{"status":1111,"wait":5,…}`), and
 * blocks the IP for 5 minutes.
 */
const IP_BLOCK_SECONDS = 300

const tokens = new Map<string, { value: string; expiresAt: number }>()

/** A DingTalk request that got no response: retryable. */
const unreachable = (what: string) =>
  new DingTalkApiError(`DingTalk unreachable: ${what}`, { retryable: true })

export function createDingTalkApi(o: DingTalkApiOptions) {
  const api = (o.apiUrl ?? 'https://api.dingtalk.com').replace(/\/$/, '')
  const sessionOrigin = new URL(o.sessionOrigin ?? 'https://oapi.dingtalk.com').origin
  const doFetch = o.fetch ?? fetch
  const now = o.now ?? Date.now

  /** One DingTalk call: a JSON POST (or a GET without a body); DingTalk's errors thrown. */
  const call = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await reach(
      doFetch,
      url,
      body === undefined
        ? { headers }
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: JSON.stringify(body),
          },
      unreachable,
    )
    const text = await res.text()
    let json: Record<string, unknown> = {}
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {}
    } catch {}
    if (json.status === 1111 && json.wait !== undefined) {
      throw new DingTalkApiError(
        `DingTalk ${new URL(url).pathname}: calls from this IP are blocked for a while`,
        {
          retryable: true,
          retryAfterSeconds: IP_BLOCK_SECONDS,
        },
      )
    }
    if (!res.ok || (typeof json.errcode === 'number' && json.errcode !== 0)) {
      const after = retryAfterHeader(res.headers.get('retry-after'))
      throw new DingTalkApiError(
        `DingTalk ${new URL(url).pathname} failed: ${res.status}${json.errcode ? ` errcode ${json.errcode}` : ''} ${String(json.errmsg ?? json.message ?? text).slice(0, 200)}`,
        {
          retryable: dingTalkRetryable(res.status, json.errcode),
          ...(after !== undefined ? { retryAfterSeconds: after } : {}),
        },
      )
    }
    return json
  }

  const accessToken = async (): Promise<string> => {
    const cached = tokens.get(o.appKey)
    if (cached && cached.expiresAt > now()) return cached.value
    const json = await call(`${api}/v1.0/oauth2/accessToken`, { appKey: o.appKey, appSecret: o.appSecret })
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

    /** A reply through the session webhook; in a group it @mentions the asker (the text must name them too). */
    async sendBySession(session: DingTalkSession, md: DingTalkMarkdown): Promise<void> {
      const at = session.atUserId
      await call(session.url, {
        msgtype: 'markdown',
        markdown: at ? { ...md, text: `@${at}\n\n${md.text}` } : md,
        at: { atUserIds: at ? [at] : [], isAtAll: false },
      })
    },

    /** One person, by staff id: `POST /v1.0/robot/oToMessages/batchSend`. */
    sendToUser: (staffId: string, md: DingTalkMarkdown) =>
      robotSend({ userIds: [staffId] }, 'sampleMarkdown', md),

    /** A group, by its open conversation id: `POST /v1.0/robot/groupMessages/send`. */
    sendToGroup: (openConversationId: string, md: DingTalkMarkdown) =>
      robotSend({ openConversationId }, 'sampleMarkdown', md),

    /** An ActionCard (Markdown and up to five link buttons, stacked) to a group. */
    sendActionCardToGroup: (openConversationId: string, card: DingTalkActionCard) =>
      robotSend({ openConversationId }, actionCardKey(card), actionCardParam(card)),

    /**
     * Who signed in through DingTalk's OAuth page (`authCode` on the redirect): the user token
     * (`/v1.0/oauth2/userAccessToken`), their profile (`/v1.0/contact/users/me`: nick, unionId),
     * then their staff id in this organisation (`topapi/user/getbyunionid`, app token). A person
     * outside the organisation has no staff id: `DingTalkApiError`.
     */
    async userByAuthCode(authCode: string): Promise<{ userId: string; nick: string }> {
      const grant = await call(`${api}/v1.0/oauth2/userAccessToken`, {
        clientId: o.appKey,
        clientSecret: o.appSecret,
        code: authCode,
        grantType: 'authorization_code',
      })
      const userToken = String(grant.accessToken ?? '')
      if (!userToken) throw new DingTalkApiError('DingTalk userAccessToken: no token in the response')
      const me = (await call(`${api}/v1.0/contact/users/me`, undefined, {
        'x-acs-dingtalk-access-token': userToken,
      })) as { nick?: string; unionId?: string }
      if (!me.unionId)
        throw new DingTalkApiError('DingTalk /v1.0/contact/users/me: no unionId in the response')
      const notMember = (why: string) =>
        new DingTalkApiError(`${me.nick ?? me.unionId} is not a member of this organisation (${why})`)
      const found = await call(
        `${sessionOrigin}/topapi/user/getbyunionid?access_token=${encodeURIComponent(await accessToken())}`,
        { unionid: me.unionId },
      ).catch((e: unknown) => {
        // 60121: no such employee here (someone from another company signed in).
        throw e instanceof DingTalkApiError && /errcode 60121 /.test(e.message) ? notMember(e.message) : e
      })
      const userId = (found.result as { userid?: string } | undefined)?.userid
      if (!userId) throw notMember('no userid in getbyunionid')
      return { userId, nick: me.nick ?? userId }
    },

    /**
     * Every department a staff member belongs to, with the departments above each
     * (`topapi/v2/department/listparentbyuser`): someone in a sub-department of 4021 is in 4021.
     */
    async departmentsOf(userId: string): Promise<string[]> {
      const json = await call(
        `${sessionOrigin}/topapi/v2/department/listparentbyuser?access_token=${encodeURIComponent(await accessToken())}`,
        { userid: userId },
      )
      const chains = (json.result as { parent_list?: { parent_dept_id_list?: unknown[] }[] } | undefined)
        ?.parent_list
      return [...new Set((chains ?? []).flatMap((c) => (c.parent_dept_id_list ?? []).map(String)))]
    },
  }

  /** The robot OpenAPI's two send calls: a template (`msgKey`) and its parameters. */
  async function robotSend(
    to: { userIds: string[] } | { openConversationId: string },
    msgKey: string,
    msgParam: object,
  ): Promise<string | undefined> {
    const path = 'userIds' in to ? 'oToMessages/batchSend' : 'groupMessages/send'
    const json = await call(
      `${api}/v1.0/robot/${path}`,
      { robotCode: o.robotCode, ...to, msgKey, msgParam: JSON.stringify(msgParam) },
      { 'x-acs-dingtalk-access-token': await accessToken() },
    )
    return typeof json.processQueryKey === 'string' ? json.processQueryKey : undefined
  }
}

/**
 * A robot ActionCard: Markdown with link buttons. The robot API's templates are `sampleActionCard`
 * (one button: `singleTitle`, `singleURL`) and `sampleActionCard2`…`5` (two to five stacked
 * buttons: `actionTitleN`, `actionURLN`).
 */
export interface DingTalkActionCard {
  title: string
  text: string
  buttons: { title: string; url: string }[]
}

function actionCardKey(card: DingTalkActionCard): string {
  const n = card.buttons.length
  if (n < 1 || n > 5) throw new DingTalkApiError(`An ActionCard has 1 to 5 buttons, not ${n}`)
  return n === 1 ? 'sampleActionCard' : `sampleActionCard${n}`
}

function actionCardParam(card: DingTalkActionCard): Record<string, string> {
  const [only] = card.buttons
  if (card.buttons.length === 1 && only) {
    return { title: card.title, text: card.text, singleTitle: only.title, singleURL: only.url }
  }
  const param: Record<string, string> = { title: card.title, text: card.text }
  card.buttons.forEach((b, i) => {
    param[`actionTitle${i + 1}`] = b.title
    param[`actionURL${i + 1}`] = b.url
  })
  return param
}

export type DingTalkApi = ReturnType<typeof createDingTalkApi>
