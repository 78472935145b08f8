import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local DingTalk: the session webhook (`/robot/sendBySession`) and the robot OpenAPI
 * (`/v1.0/oauth2/accessToken`, `/v1.0/robot/oToMessages/batchSend`,
 * `/v1.0/robot/groupMessages/send`) with DingTalk's documented response shapes. It records every
 * request (path, headers, JSON body); tests in workerd read them over HTTP (`GET /__requests`).
 */
export interface DingTalkCall {
  path: string
  headers: Record<string, string | string[] | undefined>
  body: Record<string, unknown>
}

export async function startDingTalkApi(appKey: string, appSecret: string) {
  const calls: DingTalkCall[] = []
  let issued = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? '/'
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      if (path === '/__requests') return json(200, calls)
      let body: Record<string, unknown> = {}
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>
      } catch {}
      calls.push({ path, headers: req.headers, body })
      if (path.startsWith('/robot/sendBySession')) return json(200, { errcode: 0, errmsg: 'ok' })
      if (path === '/v1.0/oauth2/accessToken') {
        if (body.appKey !== appKey || body.appSecret !== appSecret) {
          return json(400, { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' })
        }
        issued++
        return json(200, { accessToken: `access-token-${issued}`, expireIn: 7200 })
      }
      const token = req.headers['x-acs-dingtalk-access-token']
      if (path.startsWith('/v1.0/robot/') && !String(token ?? '').startsWith('access-token-')) {
        return json(401, { code: 'InvalidAuthentication', message: '不合法的access_token' })
      }
      if (path === '/v1.0/robot/oToMessages/batchSend') {
        return json(200, {
          processQueryKey: `pqk-${calls.length}`,
          invalidStaffIdList: [],
          flowControlledStaffIdList: [],
        })
      }
      if (path === '/v1.0/robot/groupMessages/send')
        return json(200, { processQueryKey: `pqk-${calls.length}` })
      json(404, { code: 'NotFound', message: path })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) }
}
