import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type WebSocket, WebSocketServer } from 'ws'
import type { Chaos } from './chaos'

/** A call our code made to the Slack Web API (or a file download / response_url post). */
export interface SlackCall {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: Record<string, unknown>
  at: number
  /** What the server answered (JSON methods). */
  response?: Record<string, unknown>
}

/**
 * A failure the stand-in plays for calls that match (tests set them with `PUT /__faults`): an HTTP
 * status (500, 429 with `Retry-After`), or Slack's `{ ok: false, error }`, for the next `times`
 * matching calls (all of them when absent).
 */
export interface SlackFault {
  method?: string
  channel?: string
  status?: number
  retryAfter?: number
  error?: string
  times?: number
}

/**
 * A local stand-in for Slack's Web API (https://api.slack.com/web) on 127.0.0.1: it answers the
 * methods the bot uses with Slack's response shapes, serves files under `/files/`, accepts
 * `response_url` posts under `/hooks/`, and records every request. Tests read the record over
 * HTTP (`GET /__calls`), since workerd tests cannot share memory with this Node process.
 */
export async function startSlackApi(
  options: { token?: string; appToken?: string; usergroups?: Record<string, string[]>; chaos?: Chaos } = {},
) {
  const calls: SlackCall[] = []
  let faults: SlackFault[] = []
  const files = new Map<string, Uint8Array>()
  const signIn = new Set<string>()
  let seq = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      const now = Date.now() + Math.random()
      const raw = Buffer.concat(chunks)
      const send = (status: number, json: unknown) => {
        const call = calls.at(-1)
        if (call && call.at === now) call.response = json as Record<string, unknown>
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(json))
      }
      if (url.pathname === '/__calls') {
        if (req.method === 'DELETE') calls.length = 0
        return send(200, calls)
      }
      if (url.pathname === '/__faults') {
        if (req.method === 'PUT') faults.push(...(JSON.parse(raw.toString('utf8')) as SlackFault[]))
        if (req.method === 'DELETE') faults = []
        return send(200, { ok: true })
      }
      if (url.pathname.startsWith('/__files/') && req.method === 'PUT') {
        const id = url.pathname.slice('/__files/'.length)
        files.set(id, new Uint8Array(raw))
        // `?as=signin`: the download answers Slack's sign-in page (HTML, 200), as Slack does when
        // the app lacks files:read.
        if (url.searchParams.get('as') === 'signin') signIn.add(id)
        return send(200, { ok: true })
      }
      let body: Record<string, unknown> = {}
      const text = raw.toString('utf8')
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : Object.fromEntries(url.searchParams)
      } catch {
        body = Object.fromEntries(new URLSearchParams(text))
      }
      const method = url.pathname.replace(/^\/api\//, '').replace(/^\//, '')
      calls.push({ method, path: url.pathname, headers: req.headers, body, at: now })
      const chaotic = options.chaos?.decide(url.pathname)
      if (chaotic) {
        const call = calls.at(-1)
        if (call)
          call.response = { status: chaotic.status ?? 0, fault: chaotic.kind, ...(chaotic.json as object) }
        return options.chaos?.play(chaotic, req, res)
      }
      if (url.pathname.startsWith('/files/')) {
        if (options.token && req.headers.authorization !== `Bearer ${options.token}`)
          return send(403, { ok: false })
        const id = url.pathname.slice('/files/'.length)
        const f = files.get(id)
        if (!f) return send(404, { ok: false, error: 'file_not_found' })
        if (signIn.has(id)) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          return res.end(
            '<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to your workspace</body></html>',
          )
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(f.length) })
        return res.end(Buffer.from(f))
      }
      if (url.pathname.startsWith('/hooks/')) return send(200, { ok: true })
      if (method === 'apps.connections.open') {
        if (req.headers.authorization !== `Bearer ${options.appToken}`)
          return send(200, { ok: false, error: 'invalid_auth' })
        return send(200, { ok: true, url: `ws://127.0.0.1:${port}/socket` })
      }
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
        return send(200, { ok: false, error: 'invalid_auth' })
      }
      const fault = faults.find(
        (f) =>
          (f.times === undefined || f.times > 0) &&
          (f.method === undefined || f.method === method) &&
          (f.channel === undefined || f.channel === body.channel),
      )
      if (fault) {
        if (fault.times !== undefined) fault.times--
        if (fault.status) {
          const call = calls.at(-1)
          if (call) call.response = { status: fault.status }
          res.writeHead(fault.status, {
            'content-type': 'application/json',
            ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}),
          })
          return res.end(JSON.stringify({ ok: false, error: 'fault' }))
        }
        return send(200, { ok: false, error: fault.error ?? 'internal_error' })
      }
      const ts = `${1_764_200_000 + Math.floor(seq / 1000)}.${String(++seq).padStart(6, '0')}`
      // A channel the bot was removed from: every post there fails, as Slack answers it.
      if (body.channel === 'C0GONE0001' && method !== 'chat.postMessage')
        return send(200, { ok: false, error: 'channel_not_found' })
      if (body.channel === 'C0GONE0001') return send(200, { ok: false, error: 'not_in_channel' })
      switch (method) {
        case 'chat.postMessage':
          return send(200, { ok: true, channel: body.channel, ts, message: { text: body.text, ts } })
        case 'chat.startStream':
          return send(200, { ok: true, channel: body.channel, ts })
        case 'chat.update':
          return send(200, { ok: true, channel: body.channel, ts: body.ts, text: body.text })
        case 'chat.postEphemeral':
          return send(200, { ok: true, message_ts: ts })
        case 'views.open':
          return send(200, { ok: true, view: { id: `V${seq}`, ...(body.view as object) } })
        case 'usergroups.users.list':
          return send(200, { ok: true, users: options.usergroups?.[String(body.usergroup)] ?? [] })
        case 'files.info': {
          const id = String(body.file)
          if (!files.has(id)) return send(200, { ok: false, error: 'file_not_found' })
          return send(200, {
            ok: true,
            file: {
              id,
              url_private: `http://127.0.0.1:${port}/files/${id}`,
              url_private_download: `http://127.0.0.1:${port}/files/${id}`,
            },
          })
        }
        case 'auth.test':
          return send(200, { ok: true, user_id: 'U0BOT00001', bot_id: 'B0BOT00001', team_id: 'T0POLICY01' })
        default:
          return send(200, { ok: true })
      }
    })
  })
  // Socket Mode: the URL apps.connections.open hands out; hello on connect, then envelopes sent
  // by the test, each answered by the client's ack ({ envelope_id, payload? }).
  const sockets = new WebSocketServer({ noServer: true })
  const acks = new Map<string, (ack: Record<string, unknown>) => void>()
  let live: WebSocket | undefined
  const connected: { resolve?: () => void } = {}
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/socket')) return socket.destroy()
    sockets.handleUpgrade(req, socket, head, (ws) => {
      live = ws
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { envelope_id?: string }
        if (msg.envelope_id) acks.get(msg.envelope_id)?.(msg)
      })
      ws.send(
        JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0POLICY01' } }),
      )
      connected.resolve?.()
    })
  })
  const socketMode = {
    /** Sends one envelope over the live connection and resolves with the client's ack. */
    send(envelope: {
      envelope_id: string
      type: string
      payload: unknown
      accepts_response_payload?: boolean
    }) {
      return new Promise<Record<string, unknown>>((resolve, reject) => {
        if (!live) return reject(new Error('no Socket Mode connection'))
        acks.set(envelope.envelope_id, resolve)
        live.send(JSON.stringify(envelope))
      })
    },
    /** Resolves when a client is connected. */
    connected: () =>
      live
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            connected.resolve = resolve
          }),
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    url,
    apiUrl: `${url}/api/`,
    socketMode,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of sockets.clients) c.terminate()
        server.close(() => resolve())
      }),
  }
}
