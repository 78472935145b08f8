import WebSocket from 'ws'
import { signDingTalk } from './verify'

/**
 * DingTalk Stream mode, for companies whose Worker has no public URL: a Node process holds the
 * WebSocket to DingTalk's gateway (Workers cannot) and forwards each robot message to the Worker's
 * own `POST /dingtalk/events`, signed as DingTalk signs HTTP callbacks, so one set of handlers
 * serves both modes. A message is acknowledged on the socket only once the Worker accepted it
 * (2xx); otherwise DingTalk redelivers it. Pings are answered; a `disconnect` from the gateway, or a
 * dropped socket, reconnects with backoff through a fresh ticket. The relay pings the gateway
 * every `keepAliveMs` and drops a socket that did not answer the last ping, so a connection a
 * NAT or proxy silently lost is noticed and replaced instead of waiting forever.
 *
 * Why not the official `dingtalk-stream` client (2.1.5): its gateway URL is a constant (it cannot
 * be pointed at a test gateway or a company's egress proxy), it reconnects every second without
 * backoff, its keepalive is off by default, and it brings axios; this relay is 200 lines on `ws`.
 *
 * Protocol (open-dingtalk Stream mode): `POST /v1.0/gateway/connections/open` with the app's
 * client id and secret and the subscriptions gives `{ endpoint, ticket }`; the socket is
 * `endpoint?ticket=…`; frames are `{ specVersion, type: SYSTEM|EVENT|CALLBACK, headers: { topic,
 * messageId, … }, data }` and are answered with `{ code, headers, message, data }`.
 */
export const TOPIC_ROBOT = '/v1.0/im/bot/messages/get'

export interface StreamRelayOptions {
  clientId: string
  clientSecret: string
  /** The Worker, e.g. `http://127.0.0.1:8787/`. */
  workerUrl: string
  /** Default `https://api.dingtalk.com` (tests point it at a local gateway). */
  gatewayUrl?: string
  /** How often the gateway is pinged (default 10 s); a socket that missed a pong is dropped. */
  keepAliveMs?: number
  log?: (message: string) => void
}

export interface StreamRelay {
  /** Resolves once the first socket is open. */
  readonly ready: Promise<void>
  stop(): Promise<void>
}

interface Frame {
  type: string
  headers: { topic?: string; messageId?: string; [k: string]: unknown }
  data?: string
}

export function startDingTalkStreamRelay(o: StreamRelayOptions): StreamRelay {
  const gateway = (o.gatewayUrl ?? 'https://api.dingtalk.com').replace(/\/$/, '')
  const log = o.log ?? (() => {})
  let socket: WebSocket | undefined
  let stopped = false
  let attempts = 0
  let timer: NodeJS.Timeout | undefined
  let markReady: () => void = () => {}
  const ready = new Promise<void>((r) => {
    markReady = r
  })

  const forward = async (body: string): Promise<boolean> => {
    const timestamp = String(Date.now())
    const res = await fetch(new URL('dingtalk/events', o.workerUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        timestamp,
        sign: await signDingTalk(o.clientSecret, timestamp),
      },
      body,
    })
    await res.arrayBuffer()
    return res.ok
  }

  const reply = (ws: WebSocket, frame: Frame, data: string) =>
    ws.send(
      JSON.stringify({
        code: 200,
        headers: { ...frame.headers, contentType: 'application/json' },
        message: 'OK',
        data,
      }),
    )

  const onFrame = async (ws: WebSocket, raw: string) => {
    let frame: Frame
    try {
      frame = JSON.parse(raw) as Frame
    } catch {
      return log('DingTalk stream: a frame that is not JSON was ignored')
    }
    if (frame.type === 'SYSTEM' && frame.headers.topic === 'ping') return reply(ws, frame, frame.data ?? '')
    if (frame.type === 'SYSTEM' && frame.headers.topic === 'disconnect') {
      log('DingTalk stream: the gateway asked to reconnect')
      return ws.close()
    }
    if (frame.type === 'CALLBACK' && frame.headers.topic === TOPIC_ROBOT && frame.data) {
      try {
        if (await forward(frame.data)) reply(ws, frame, JSON.stringify({ response: null }))
        else
          log(
            `DingTalk stream: the Worker refused message ${frame.headers.messageId}; DingTalk will redeliver it`,
          )
      } catch (e) {
        log(`DingTalk stream: could not reach the Worker (${(e as Error).message}); DingTalk will redeliver`)
      }
    }
  }

  const connect = async () => {
    if (stopped) return
    try {
      const res = await fetch(`${gateway}/v1.0/gateway/connections/open`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          clientId: o.clientId,
          clientSecret: o.clientSecret,
          subscriptions: [{ type: 'CALLBACK', topic: TOPIC_ROBOT }],
          ua: 'policybot-dingtalk-relay/0.1',
        }),
      })
      const json = (await res.json()) as { endpoint?: string; ticket?: string; message?: string }
      if (!res.ok || !json.endpoint || !json.ticket) {
        throw new Error(`connections/open answered ${res.status}: ${json.message ?? 'no endpoint'}`)
      }
      const ws = new WebSocket(`${json.endpoint}?ticket=${encodeURIComponent(json.ticket)}`)
      socket = ws
      let alive = true
      let keepAlive: NodeJS.Timeout | undefined
      ws.on('open', () => {
        attempts = 0
        log('DingTalk stream: connected')
        markReady()
        keepAlive = setInterval(() => {
          if (!alive) {
            log('DingTalk stream: the gateway stopped answering pings; reconnecting')
            return ws.terminate()
          }
          alive = false
          ws.ping()
        }, o.keepAliveMs ?? 10_000)
      })
      ws.on('pong', () => {
        alive = true
      })
      ws.on('message', (data) => {
        alive = true
        void onFrame(ws, data.toString())
      })
      ws.on('error', (e) => log(`DingTalk stream: ${e.message}`))
      ws.on('close', () => {
        clearInterval(keepAlive)
        if (socket === ws) socket = undefined
        schedule()
      })
    } catch (e) {
      log(`DingTalk stream: ${(e as Error).message}`)
      schedule()
    }
  }

  const schedule = () => {
    if (stopped) return
    const delay = Math.min(30_000, 500 * 2 ** attempts++)
    clearTimeout(timer)
    timer = setTimeout(() => void connect(), delay)
  }

  void connect()
  return {
    ready,
    async stop() {
      stopped = true
      clearTimeout(timer)
      const ws = socket
      if (ws && ws.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((r) => {
          ws.once('close', () => r())
          ws.close()
        })
      }
    },
  }
}
