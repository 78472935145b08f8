import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { WebSocketServer } from 'ws'

/** A running WebSocket-to-TCP proxy. */
export interface WsProxy {
  /** `127.0.0.1:PORT`, the value for the Neon driver's `wsProxy` option. */
  readonly address: string
  /** What it served so far: WebSocket connections and plain HTTP requests. */
  readonly stats: { sockets: number; http: number }
  close(): Promise<void>
}

/**
 * Serves Neon's WebSocket proxy protocol (`ws://host/v2?address=db-host:port`, binary frames
 * carrying the Postgres wire protocol) on 127.0.0.1, so `@neondatabase/serverless` can reach a
 * local Postgres or PGlite socket server. Only loopback targets are accepted: this is a
 * development and test endpoint, not an open relay. Plain HTTP requests on the same port go to
 * `onHttp` (the endpoint's `/sql` query shim).
 */
export async function startWsProxy(
  port = 0,
  onHttp?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<WsProxy> {
  const stats = { sockets: 0, http: 0 }
  const http = createServer((req, res) => {
    stats.http++
    if (onHttp) return onHttp(req, res)
    res.writeHead(404).end()
  })
  // Queries over HTTP keep the connection open between requests, as Neon's edge does.
  http.keepAliveTimeout = 30_000
  const server = new WebSocketServer({ server: http })
  await new Promise<void>((resolve, reject) => {
    http.once('listening', resolve)
    http.once('error', reject)
    http.listen(port, '127.0.0.1')
  })
  server.on('connection', (ws, req) => {
    stats.sockets++
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('address') ?? ''
    const match = /^(127\.0\.0\.1|localhost|\[::1\]):(\d+)$/.exec(target)
    if (!match) {
      ws.close(1008, 'only loopback targets are allowed')
      return
    }
    const tcp = connect({ host: match[1] === '[::1]' ? '::1' : match[1], port: Number(match[2]) })
    const pending: Buffer[] = []
    tcp.on('connect', () => {
      for (const b of pending.splice(0)) tcp.write(b)
    })
    ws.on('message', (data: Buffer) => {
      if (tcp.connecting) pending.push(data)
      else tcp.write(data)
      // Postgres closes the connection after a Terminate message; pglite-socket does not, and
      // the Neon driver waits for that close, which in workerd keeps the invocation (and a queue
      // batch) open forever. Close both sides here, as a real server would.
      if (isTerminate(data)) {
        tcp.end()
        ws.close()
      }
    })
    tcp.on('data', (chunk) => ws.send(chunk))
    tcp.on('close', () => ws.close())
    tcp.on('error', () => ws.close())
    ws.on('close', () => tcp.destroy())
    ws.on('error', () => tcp.destroy())
  })
  const { port: bound } = http.address() as AddressInfo
  return {
    address: `127.0.0.1:${bound}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate()
        server.close(() => {
          http.closeAllConnections()
          http.close(() => resolve())
        })
      }),
  }
}

/** The frontend Terminate message: 'X' and the length 4, alone in a frame. */
function isTerminate(data: Buffer): boolean {
  return data.length === 5 && data[0] === 0x58 && data.readUInt32BE(1) === 4
}
