import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local Microsoft identity token endpoint and Bot Connector in one server: `POST
 * /{tenant}/oauth2/v2.0/token` (client credentials), `POST /v3/conversations/{id}/activities` and
 * `PUT /v3/conversations/{id}/activities/{activityId}`,
 * with the documented response shapes. It records every request; tests in workerd read them over
 * HTTP (`GET /__requests`). Use its URL as the login URL and as the activities' `serviceUrl`.
 */
export interface ConnectorCall {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export async function startBotConnector(appId: string, appPassword: string) {
  const calls: ConnectorCall[] = []
  let issued = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? '/'
      const raw = Buffer.concat(chunks).toString('utf8')
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      if (path === '/__requests') return json(200, calls)
      let body: unknown = raw
      try {
        body = (req.headers['content-type'] ?? '').includes('json')
          ? JSON.parse(raw)
          : Object.fromEntries(new URLSearchParams(raw))
      } catch {}
      calls.push({ method: req.method ?? '', path, headers: req.headers, body })
      if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(path)) {
        const form = body as Record<string, string>
        if (form.client_id !== appId || form.client_secret !== appPassword) {
          return json(401, {
            error: 'invalid_client',
            error_description: 'AADSTS7000215: Invalid client secret provided.',
          })
        }
        issued++
        return json(200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: `bot-token-${issued}`,
        })
      }
      if (req.method === 'PUT' && /^\/v3\/conversations\/[^/]+\/activities\/[^/]+$/.test(path)) {
        if (!String(req.headers.authorization ?? '').startsWith('Bearer bot-token-')) {
          return json(401, {
            error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' },
          })
        }
        return json(200, { id: decodeURIComponent(path.split('/').pop() as string) })
      }
      if (/^\/v3\/conversations\/[^/]+\/activities$/.test(path)) {
        if (!String(req.headers.authorization ?? '').startsWith('Bearer bot-token-')) {
          return json(401, {
            error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' },
          })
        }
        return json(201, { id: `1733${String(calls.length).padStart(9, '0')}` })
      }
      json(404, { error: { code: 'NotFound', message: path } })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) }
}
