import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { WebSocketServer } from 'ws'
import { constantTimeEqual } from '../../../bots/hmac'

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
  options: {
    /** The database's Unix socket: every connection goes there, whatever address it names. */
    socketPath?: string
    /** Required of every connection (cleartext password authentication, as Neon asks for it). */
    credentials?: { user: string; password: string }
  } = {},
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
    const tcp = options.socketPath
      ? connect({ path: options.socketPath })
      : connect({ host: match[1] === '[::1]' ? '::1' : match[1], port: Number(match[2]) })
    const pending: Buffer[] = []
    tcp.on('connect', () => {
      for (const b of pending.splice(0)) tcp.write(b)
    })
    const toDatabase = (data: Buffer) => {
      if (tcp.connecting) pending.push(data)
      else tcp.write(data)
    }
    // Until the password is checked, the client's bytes stay here: the database never sees a
    // connection that did not authenticate.
    const gate = options.credentials ? passwordGate(options.credentials, ws, toDatabase) : undefined
    ws.on('message', (data: Buffer) => {
      if (gate && !gate.passed) {
        gate.take(data)
        return
      }
      toDatabase(data)
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

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104

/**
 * The start of a Postgres connection, checked before the database sees it: the StartupMessage is
 * held, the client is asked for its password (AuthenticationCleartextPassword; a password the
 * client sent ahead, as Neon's pipelined connect does, is taken as the answer), and only the
 * right user and password let the StartupMessage through; anything else gets a FATAL 28P01 and
 * the connection is closed. SSL and GSS encryption requests are declined, as the proxy speaks
 * plain frames on loopback.
 */
function passwordGate(
  expected: { user: string; password: string },
  ws: { send(data: Buffer): void; close(): void },
  forward: (data: Buffer) => void,
) {
  let buffered = Buffer.alloc(0)
  let startup: Buffer | undefined
  let asked = false
  const gate = {
    passed: false,
    take(data: Buffer) {
      buffered = Buffer.concat([buffered, data])
      for (;;) {
        if (!startup) {
          if (buffered.length < 8) return
          const length = buffered.readUInt32BE(0)
          if (length < 8 || length > 10_000) return refuse('invalid startup packet')
          if (buffered.length < length) return
          const code = buffered.readUInt32BE(4)
          const message = buffered.subarray(0, length)
          buffered = buffered.subarray(length)
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            ws.send(Buffer.from('N'))
            continue
          }
          startup = message
          if (buffered.length === 0) ask()
          continue
        }
        if (buffered.length < 5) return
        const length = buffered.readUInt32BE(1)
        if (buffered[0] !== 0x70 || length < 4 || length > 10_000)
          return refuse('expected a password message')
        if (buffered.length < length + 1) return
        const password = buffered
          .subarray(5, length + 1)
          .toString('utf8')
          .replace(/\0$/, '')
        buffered = buffered.subarray(length + 1)
        const user = startupParameter(startup, 'user')
        if (!constantTimeEqual(user, expected.user) || !constantTimeEqual(password, expected.password))
          return refuse(`password authentication failed for user "${user}"`, '28P01')
        gate.passed = true
        forward(startup)
        if (buffered.length) forward(buffered)
        return
      }
    },
  }
  const ask = () => {
    if (asked) return
    asked = true
    const request = Buffer.alloc(9)
    request.write('R', 0)
    request.writeUInt32BE(8, 1)
    request.writeUInt32BE(3, 5)
    ws.send(request)
  }
  const refuse = (message: string, code = '08P01') => {
    const fields = Buffer.concat(
      [
        ['S', 'FATAL'],
        ['V', 'FATAL'],
        ['C', code],
        ['M', message],
      ].map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8')),
    )
    const error = Buffer.alloc(6 + fields.length)
    error.write('E', 0)
    error.writeUInt32BE(5 + fields.length, 1)
    fields.copy(error, 5)
    error[5 + fields.length] = 0
    ws.send(error)
    ws.close()
  }
  return gate
}

/** A parameter of a StartupMessage (`user`, `database`): NUL-separated pairs after the version. */
function startupParameter(startup: Buffer, name: string): string {
  const parts = startup.subarray(8).toString('utf8').split('\0')
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === name) return parts[i + 1] ?? ''
  return ''
}
