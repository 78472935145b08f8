import { Agent, type IncomingMessage, request, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { RunnerError } from '../errors'
import { ChatAggregator } from './chat-aggregate'
import { WarmSockets } from './warm-sockets'

/**
 * Forwards one request body to llama-server and streams its answer back unchanged (bytes piped,
 * not re-encoded: the runner's cost per token stays near zero). Aborting `signal` (client gone,
 * timeout) destroys the upstream connection, which makes llama-server cancel the generation. An
 * upstream that dies mid-answer ends an SSE stream with an OpenAI-style `error` event, so
 * streaming clients get a clean error instead of a truncated stream.
 */
//
// Connections: llama-server (cpp-httplib) closes the connection after every streamed answer without
// saying so (`Connection: close` is absent), so a kept-alive socket reused right after a stream is
// reset. Streams therefore get a connection of their own; other requests reuse sockets (idle ones
// are dropped before httplib's 5 s keep-alive timeout) and are retried once on a reset of a reused
// socket, which means the server closed it before reading the request (Node's documented pattern).
// Streams take a connection opened ahead of time (warm-sockets.ts).
const keepAlive = new Agent({ keepAlive: true, timeout: 4000 })
const warm = new WarmSockets()

/** Closes spare and idle upstream connections (runner shutdown). */
export function closeUpstreamConnections(): void {
  warm.close()
  keepAlive.destroy()
}

export interface ForwardOptions {
  signal: AbortSignal
  /** `performance.now()` when the request arrived. */
  started: number
  stream: boolean
  /** Collect llama-server's stream into one non-streamed chat completion (see chat-aggregate.ts). */
  aggregate?: boolean
}

export interface ForwardResult {
  status: number
  /** Milliseconds to the first response byte. */
  firstByteMs: number | undefined
}

export function forward(
  url: string,
  body: string,
  res: ServerResponse,
  o: ForwardOptions,
): Promise<ForwardResult> {
  return attempt(url, body, res, o, 0)
}

function attempt(url: string, body: string, res: ServerResponse, o: ForwardOptions, retry: number) {
  const { signal, started } = o
  return new Promise<ForwardResult>((resolve, reject) => {
    let firstByteMs: number | undefined
    let settled = false
    const done = (e?: unknown, status = 0) => {
      if (settled) return
      settled = true
      signal.removeEventListener('abort', onAbort)
      if (e) reject(e)
      else resolve({ status, firstByteMs })
    }
    const port = Number(new URL(url).port)
    const up = request(url, {
      method: 'POST',
      // A retry never takes a spare: the spares may all point at a server that just died.
      ...(o.stream
        ? {
            agent: false,
            createConnection: () => (retry === 0 ? warm.take(port) : connect({ port, host: '127.0.0.1' })),
          }
        : { agent: keepAlive }),
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    })
    const onAbort = () => {
      up.destroy()
      failMidway(res, signal.reason)
      done(signal.reason)
    }
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    up.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return
      // A reset before any answer on a socket opened earlier (a kept-alive one, or a spare) means the
      // server closed it unread: the request is sent once more on a new connection.
      const early = (up.reusedSocket || o.stream) && (e.code === 'ECONNRESET' || e.code === 'EPIPE')
      if (early && !res.headersSent && retry === 0) {
        settled = true
        signal.removeEventListener('abort', onAbort)
        attempt(url, body, res, o, 1).then(resolve, reject)
        return
      }
      // Refused: nothing listens any more (the process just died and its restart is pending), so
      // the request never reached it and may simply be sent again: 503 + Retry-After, not 502.
      const err =
        e.code === 'ECONNREFUSED'
          ? new RunnerError('NOT_READY', 'llama-server is restarting', { retryAfter: 2, cause: e })
          : new RunnerError('UPSTREAM_FAILED', `llama-server failed: ${e.message}`, { cause: e })
      failMidway(res, err)
      done(err)
    })
    up.on('response', (upRes: IncomingMessage) => {
      const status = upRes.statusCode ?? 502
      const type = upRes.headers['content-type'] ?? ''
      const aggregator =
        o.aggregate && type.startsWith('text/event-stream') ? new ChatAggregator() : undefined
      if (!aggregator) {
        // setHeader (not writeHead's argument) so failMidway can read the type back.
        for (const h of ['content-type', 'cache-control']) {
          const v = upRes.headers[h]
          if (typeof v === 'string') res.setHeader(h, v)
        }
        res.writeHead(status)
        upRes.pipe(res, { end: false })
      } else {
        upRes.setEncoding('utf8')
        upRes.on('data', (text: string) => aggregator.push(text))
      }
      upRes.once('data', () => {
        firstByteMs = performance.now() - started
      })
      upRes.on('end', () => {
        if (aggregator) {
          const error = aggregator.error as { message?: string } | undefined
          if (error) {
            done(
              new RunnerError('UPSTREAM_FAILED', `llama-server: ${error.message ?? JSON.stringify(error)}`),
            )
            return
          }
          const text = JSON.stringify(aggregator.result())
          res.writeHead(status, {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(text),
          })
          res.end(text)
        } else res.end()
        done(undefined, status)
      })
      upRes.on('close', () => {
        if (upRes.complete || settled) return
        const err = new RunnerError('UPSTREAM_FAILED', 'llama-server closed the connection mid-answer')
        failMidway(res, err)
        done(err)
      })
    })
    up.end(body)
  })
}

/** After the headers went out: an SSE error event, then the end; other bodies are cut. */
function failMidway(res: ServerResponse, reason: unknown): void {
  if (!res.headersSent || res.writableEnded || res.destroyed) return
  const type = String(res.getHeader('content-type') ?? '')
  if (type.startsWith('text/event-stream')) {
    const e = reason as Partial<RunnerError>
    const error = {
      message: e.message ?? 'the generation failed',
      type: e.type ?? 'server_error',
      code: e.code?.toLowerCase() ?? 'upstream_failed',
    }
    res.end(`data: ${JSON.stringify({ error })}\n\n`)
  } else {
    res.destroy()
  }
}
