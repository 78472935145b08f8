import type { Chaos } from './chaos'
import { type RecordedRequest, startTestServer } from './http-server'

/**
 * A local DingTalk: the session webhook (`/robot/sendBySession`), the robot OpenAPI
 * (`/v1.0/oauth2/accessToken`, `/v1.0/robot/oToMessages/batchSend`,
 * `/v1.0/robot/groupMessages/send`) and the sign-in calls (`/v1.0/oauth2/userAccessToken`,
 * `/v1.0/contact/users/me`, `/topapi/user/getbyunionid`), with DingTalk's documented response
 * shapes. Every request is recorded; tests in workerd read them with `GET /__requests`.
 */
export type DingTalkCall = RecordedRequest & { body: Record<string, unknown> }

export function startDingTalkApi(
  appKey: string,
  appSecret: string,
  chaos?: Chaos,
  /** Each staff member's department chains, own department first, up to the root (1). */
  departments: Record<string, number[][]> = {},
) {
  let issued = 0
  const failedOnce = new Set<string>()
  return startTestServer((req) => {
    const body = (req.body ?? {}) as Record<string, unknown>
    if (req.path.startsWith('/robot/sendBySession')) return { json: { errcode: 0, errmsg: 'ok' } }
    if (req.path === '/v1.0/oauth2/accessToken') {
      if (body.appKey !== appKey || body.appSecret !== appSecret) {
        return {
          status: 400,
          json: { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' },
        }
      }
      issued++
      return { json: { accessToken: `access-token-${issued}`, expireIn: 7200 } }
    }
    if (req.path === '/v1.0/oauth2/userAccessToken') {
      // Sign-in codes are `code-<staffId>` (`code-outsider…` is someone from another company).
      const code = String(body.code ?? '')
      if (
        body.clientId !== appKey ||
        body.clientSecret !== appSecret ||
        body.grantType !== 'authorization_code'
      ) {
        return {
          status: 400,
          json: { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' },
        }
      }
      if (!code.startsWith('code-')) {
        return { status: 400, json: { code: 'invalidAuthCode', message: '不合法的临时授权码' } }
      }
      return { json: { accessToken: `user-token-${code.slice(5)}`, refreshToken: 'r', expireIn: 7200 } }
    }
    if (req.path === '/v1.0/contact/users/me') {
      const userToken = String(req.headers['x-acs-dingtalk-access-token'] ?? '')
      if (!userToken.startsWith('user-token-')) {
        return { status: 401, json: { code: 'InvalidAuthentication', message: '不合法的access_token' } }
      }
      const who = userToken.slice('user-token-'.length)
      return {
        json: { nick: `Nick ${who}`, unionId: `union-${who}`, openId: `open-${who}`, stateCode: '86' },
      }
    }
    if (req.path.startsWith('/topapi/user/getbyunionid?')) {
      const appToken = new URL(req.path, 'http://x').searchParams.get('access_token') ?? ''
      if (!appToken.startsWith('access-token-'))
        return { json: { errcode: 40014, errmsg: '不合法的access_token' } }
      const who = String(body.unionid ?? '').replace(/^union-/, '')
      if (!who || who.startsWith('outsider')) return { json: { errcode: 60121, errmsg: '找不到该用户' } }
      return {
        json: { errcode: 0, errmsg: 'ok', result: { contact_type: 0, userid: who }, request_id: 'r1' },
      }
    }
    if (req.path.startsWith('/topapi/v2/department/listparentbyuser?')) {
      const appToken = new URL(req.path, 'http://x').searchParams.get('access_token') ?? ''
      if (!appToken.startsWith('access-token-'))
        return { json: { errcode: 40014, errmsg: '不合法的access_token' } }
      const chains = departments[String(body.userid ?? '')]
      if (!chains) return { json: { errcode: 60121, errmsg: '找不到该用户' } }
      return {
        json: {
          errcode: 0,
          errmsg: 'ok',
          result: { parent_list: chains.map((c) => ({ parent_dept_id_list: c })) },
          request_id: 'r2',
        },
      }
    }
    const token = String(req.headers['x-acs-dingtalk-access-token'] ?? '')
    if (req.path.startsWith('/v1.0/robot/') && !token.startsWith('access-token-')) {
      return { status: 401, json: { code: 'InvalidAuthentication', message: '不合法的access_token' } }
    }
    if (req.path === '/v1.0/robot/oToMessages/batchSend') {
      return {
        json: {
          processQueryKey: `pqk-${issued}-${Date.now()}`,
          invalidStaffIdList: [],
          flowControlledStaffIdList: [],
        },
      }
    }
    if (req.path === '/v1.0/robot/groupMessages/send') {
      // A group whose id starts with `cidFlaky` fails its first message (a DingTalk outage).
      const group = String(body.openConversationId ?? '')
      if (group.startsWith('cidFlaky') && !failedOnce.has(group)) {
        failedOnce.add(group)
        return { status: 500, json: { code: 'ServiceUnavailable', message: '系统繁忙' } }
      }
      return { json: { processQueryKey: `pqk-${Date.now()}` } }
    }
    return { status: 404, json: { code: 'NotFound', message: req.path } }
  }, chaos)
}
