import { type RecordedRequest, startTestServer } from './http-server'

/**
 * A local Microsoft identity token endpoint and Bot Connector in one server: `POST
 * /{tenant}/oauth2/v2.0/token` (client credentials), `POST /v3/conversations/{id}/activities` and
 * `PUT /v3/conversations/{id}/activities/{activityId}`, with the documented response shapes. Every
 * request is recorded; tests in workerd read them with `GET /__requests`. Use its URL as the login
 * URL and as the activities' `serviceUrl`.
 */
export type ConnectorCall = RecordedRequest

const DENIED = { error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' } }

export function startBotConnector(appId: string, appPassword: string) {
  let issued = 0
  let posted = 0
  return startTestServer((req) => {
    if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(req.path)) {
      const form = req.body as Record<string, string>
      if (form.client_id !== appId || form.client_secret !== appPassword) {
        return {
          status: 401,
          json: {
            error: 'invalid_client',
            error_description: 'AADSTS7000215: Invalid client secret provided.',
          },
        }
      }
      issued++
      return {
        json: {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: `bot-token-${issued}`,
        },
      }
    }
    const authorized = String(req.headers.authorization ?? '').startsWith('Bearer bot-token-')
    if (req.method === 'PUT' && /^\/v3\/conversations\/[^/]+\/activities\/[^/]+$/.test(req.path)) {
      if (!authorized) return { status: 401, json: DENIED }
      return { json: { id: decodeURIComponent(req.path.split('/').pop() as string) } }
    }
    if (/^\/v3\/conversations\/[^/]+\/activities$/.test(req.path)) {
      if (!authorized) return { status: 401, json: DENIED }
      posted++
      return { status: 201, json: { id: `1733${String(posted).padStart(9, '0')}` } }
    }
    return { status: 404, json: { error: { code: 'NotFound', message: req.path } } }
  })
}
