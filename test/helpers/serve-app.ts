import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Env } from '../../workers/env'
import { app } from '../../workers/index'

/**
 * The Worker's Hono app served over HTTP from Node on 127.0.0.1, with the given bindings, so a
 * browser can drive its console against servers the test started (real runners, a database
 * endpoint). The after-response work (`waitUntil`) is awaited, as workerd would run it. The full
 * Worker in workerd is exercised by the local stack's tests (test/node/start.test.ts).
 */
export async function serveApp(env: Env): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      const headers = new Headers()
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string') headers.set(k, v)
        else if (Array.isArray(v)) for (const x of v) headers.append(k, x)
      }
      const method = req.method ?? 'GET'
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      })
      const pending: Promise<unknown>[] = []
      const ctx = {
        waitUntil: (p: Promise<unknown>) => void pending.push(p),
        passThroughOnException: () => {},
        props: {},
      }
      const response = await app.fetch(request, env, ctx as never)
      const out: Record<string, string | string[]> = {}
      response.headers.forEach((v, k) => {
        if (k !== 'set-cookie') out[k] = v
      })
      const cookies = response.headers.getSetCookie()
      if (cookies.length) out['set-cookie'] = cookies
      res.writeHead(response.status, out)
      res.end(Buffer.from(await response.arrayBuffer()))
      await Promise.all(pending)
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(String(e))
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
