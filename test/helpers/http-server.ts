import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Chaos } from './chaos'

/** A request as the test server received it. */
export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: unknown
  /** When it arrived (epoch ms). */
  at: number
  /** What the server answered. */
  response?: { status: number; json: unknown }
}

export type Handler = (req: RecordedRequest) => {
  status?: number
  json?: unknown
  headers?: Record<string, string>
}

/**
 * A local HTTP server on 127.0.0.1 that records every request (JSON and form bodies parsed) and
 * answers with the handler's response (recorded with it): the stand-in for a remote API, so tests assert exactly
 * what our code sent. `GET /__requests` returns the record (for tests running in workerd).
 */
export async function startTestServer(handler: Handler, chaos?: Chaos) {
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      // Servers stood in for from workerd are read back over HTTP: the Worker's tests cannot
      // reach this process's memory.
      if (req.method === 'GET' && req.url === '/__requests') {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(requests))
        return
      }
      let body: unknown = raw
      if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        body = Object.fromEntries(new URLSearchParams(raw))
      } else {
        try {
          body = raw ? JSON.parse(raw) : undefined
        } catch {}
      }
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        at: Date.now(),
      }
      requests.push(recorded)
      const fault = chaos?.decide(recorded.path)
      if (fault) {
        recorded.response = { status: fault.status ?? 0, json: fault.json ?? { fault: fault.kind } }
        return chaos?.play(fault, req, res)
      }
      const out = handler(recorded)
      recorded.response = { status: out.status ?? 200, json: out.json }
      res.writeHead(out.status ?? 200, { 'content-type': 'application/json', ...out.headers })
      res.end(out.json === undefined ? '' : JSON.stringify(out.json))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** An OpenAI-format chat completion response carrying `content`. */
export function chatCompletion(content: string, model = 'test-model') {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  }
}
