import { type RecordedRequest, startTestServer } from './http-server'

/**
 * A local DingTalk: the session webhook (`/robot/sendBySession`) and the robot OpenAPI
 * (`/v1.0/oauth2/accessToken`, `/v1.0/robot/oToMessages/batchSend`,
 * `/v1.0/robot/groupMessages/send`) with DingTalk's documented response shapes. Every request is
 * recorded; tests in workerd read them with `GET /__requests`.
 */
export type DingTalkCall = RecordedRequest & { body: Record<string, unknown> }

export function startDingTalkApi(appKey: string, appSecret: string) {
  let issued = 0
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
    if (req.path === '/v1.0/robot/groupMessages/send')
      return { json: { processQueryKey: `pqk-${Date.now()}` } }
    return { status: 404, json: { code: 'NotFound', message: req.path } }
  })
}
