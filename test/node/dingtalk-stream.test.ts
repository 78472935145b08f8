import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type WebSocket, WebSocketServer } from 'ws'
import { type StreamRelay, startDingTalkStreamRelay, TOPIC_ROBOT } from '../../bots/dingtalk/stream-relay'
import { verifyDingTalkSignature } from '../../bots/dingtalk/verify'
import oneOnOne from '../fixtures/dingtalk/text_1on1.json'

/**
 * The Stream-mode relay against a local DingTalk gateway (connections/open + WebSocket, speaking
 * the Stream protocol) and a local stand-in for the Worker's `/dingtalk/events`.
 */
const ID = 'dingappkey'
const SECRET = 'dingtalk-app-secret'

async function listen(server: ReturnType<typeof createServer>) {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const body = (req: IncomingMessage) =>
  new Promise<string>((r) => {
    let s = ''
    req.on('data', (c) => {
      s += c
    })
    req.on('end', () => r(s))
  })

/** A gateway that hands out tickets and records frames the client sends back. */
async function startGateway(options: { answerPings?: boolean } = {}) {
  const opens: Array<Record<string, unknown>> = []
  const sockets: WebSocket[] = []
  const replies: Array<Record<string, unknown>> = []
  const http = createServer(async (req, res) => {
    const json = JSON.parse(await body(req)) as Record<string, unknown>
    opens.push(json)
    res.writeHead(json.clientSecret === SECRET ? 200 : 401, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ endpoint: `ws://127.0.0.1:${port}/connect`, ticket: `ticket-${opens.length}` }))
  })
  const url = await listen(http)
  const port = Number(new URL(url).port)
  // A gateway that stops answering pings is what a connection silently lost in a NAT looks like.
  const wss = new WebSocketServer({ server: http, autoPong: options.answerPings ?? true })
  wss.on('connection', (ws, req) => {
    expect(req.url).toBe(`/connect?ticket=ticket-${opens.length}`)
    sockets.push(ws)
    ws.on('message', (d) => replies.push(JSON.parse(d.toString()) as Record<string, unknown>))
  })
  return {
    url,
    opens,
    sockets,
    replies,
    close: async () => {
      for (const s of wss.clients) s.terminate()
      await new Promise<void>((r) => wss.close(() => r()))
      await new Promise<void>((r) => http.close(() => r()))
    },
  }
}

async function startWorker(status: () => number) {
  const received: Array<{ body: string; ok: boolean }> = []
  const server = createServer(async (req, res) => {
    const text = await body(req)
    const v = await verifyDingTalkSignature({
      appSecret: SECRET,
      timestamp: req.headers.timestamp as string,
      sign: req.headers.sign as string,
    })
    received.push({ body: text, ok: v.ok && req.url === '/dingtalk/events' })
    res.writeHead(status(), { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  })
  const url = await listen(server)
  return { url: `${url}/`, received, close: () => new Promise<void>((r) => server.close(() => r())) }
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
  expect(cond()).toBe(true)
}

describe('DingTalk Stream relay', () => {
  const stops: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s()
  })

  async function setup(
    workerStatus = () => 200,
    gatewayOptions: { answerPings?: boolean } = {},
    keepAliveMs?: number,
  ) {
    const gateway = await startGateway(gatewayOptions)
    const worker = await startWorker(workerStatus)
    const relay: StreamRelay = startDingTalkStreamRelay({
      clientId: ID,
      clientSecret: SECRET,
      workerUrl: worker.url,
      gatewayUrl: gateway.url,
      ...(keepAliveMs ? { keepAliveMs } : {}),
    })
    stops.push(gateway.close, worker.close, relay.stop)
    await relay.ready
    return { gateway, worker }
  }

  const callback = (messageId: string) => ({
    specVersion: '1.0',
    type: 'CALLBACK',
    headers: {
      appId: 'app-1',
      connectionId: 'conn-1',
      contentType: 'application/json',
      messageId,
      time: '1795694600000',
      topic: TOPIC_ROBOT,
    },
    data: JSON.stringify(oneOnOne),
  })

  it('opens a connection with the app credentials and the robot subscription', async () => {
    const { gateway } = await setup()
    expect(gateway.opens[0]).toMatchObject({
      clientId: ID,
      clientSecret: SECRET,
      subscriptions: [{ type: 'CALLBACK', topic: '/v1.0/im/bot/messages/get' }],
    })
  })

  it('forwards a robot message to the Worker, signed, and acknowledges it after the Worker accepted it', async () => {
    const { gateway, worker } = await setup()
    gateway.sockets[0]?.send(JSON.stringify(callback('m-1')))
    await until(() => gateway.replies.length === 1)
    expect(worker.received).toEqual([{ body: JSON.stringify(oneOnOne), ok: true }])
    expect(gateway.replies[0]).toMatchObject({ code: 200, headers: { messageId: 'm-1' }, message: 'OK' })
  })

  it('does not acknowledge a message the Worker refused, so DingTalk redelivers it', async () => {
    const { gateway, worker } = await setup(() => 503)
    gateway.sockets[0]?.send(JSON.stringify(callback('m-2')))
    await until(() => worker.received.length === 1)
    await new Promise((r) => setTimeout(r, 200))
    expect(gateway.replies).toEqual([])
  })

  it('answers pings and reconnects with a new ticket when the gateway says disconnect', async () => {
    const { gateway } = await setup()
    const ping = {
      specVersion: '1.0',
      type: 'SYSTEM',
      headers: { topic: 'ping', messageId: 'p-1', contentType: 'application/json' },
      data: '{"opaque":"x"}',
    }
    gateway.sockets[0]?.send(JSON.stringify(ping))
    await until(() => gateway.replies.length === 1)
    expect(gateway.replies[0]).toMatchObject({
      code: 200,
      headers: { messageId: 'p-1', topic: 'ping' },
      data: '{"opaque":"x"}',
    })
    gateway.sockets[0]?.send(JSON.stringify({ ...ping, headers: { topic: 'disconnect', messageId: 'd-1' } }))
    await until(() => gateway.sockets.length === 2)
    expect(gateway.opens).toHaveLength(2)
  })

  it('pings the gateway and replaces a connection that stopped answering, through a new ticket', async () => {
    const { gateway } = await setup(() => 200, { answerPings: false }, 100)
    await until(() => gateway.opens.length >= 2 && gateway.sockets.length >= 2)
    expect(gateway.sockets[0]?.readyState).not.toBe(1)
  })

  it('keeps a connection that answers its pings', async () => {
    const { gateway } = await setup(() => 200, {}, 100)
    await new Promise((r) => setTimeout(r, 600))
    expect(gateway.opens).toHaveLength(1)
    expect(gateway.sockets[0]?.readyState).toBe(1)
  })
})
