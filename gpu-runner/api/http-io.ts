import type { IncomingMessage, ServerResponse } from 'node:http'
import { isRunnerError, RunnerError } from '../errors'

/**
 * Reading request bodies under a size limit and writing JSON and errors: the one place the
 * runner maps errors to HTTP (OpenAI's envelope, `Retry-After` for 429/503).
 */

/** Reads the whole body, refusing (413) as soon as it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw tooLarge(limit)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function tooLarge(limit: number): RunnerError {
  return new RunnerError('BODY_TOO_LARGE', `the request body is larger than the limit of ${limit} bytes`)
}

/** Parses a JSON object body; anything else is a 400 that says what was wrong. */
export async function readJsonObject(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? ''
  if (type && !/^application\/json\b/i.test(type)) {
    throw new RunnerError('INVALID_REQUEST', `send Content-Type: application/json (got ${type})`)
  }
  const text = (await readBody(req, limit)).toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new RunnerError('INVALID_JSON', `the body is not valid JSON: ${(e as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RunnerError('INVALID_REQUEST', 'the body must be a JSON object')
  }
  return value as Record<string, unknown>
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

/** Any error as OpenAI's envelope; unknown errors are a 500 without internals. */
export function sendError(req: IncomingMessage, res: ServerResponse, e: unknown): void {
  const err = isRunnerError(e) ? e : new RunnerError('INTERNAL', 'internal error in the runner', { cause: e })
  if (res.headersSent) {
    res.destroy()
    return
  }
  const headers: Record<string, string> = {}
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter)
  // A body we refused to read must not be read as the next request on this connection.
  if (err.code === 'BODY_TOO_LARGE' || !req.complete) headers.connection = 'close'
  sendJson(res, err.status, err.toJSON(), headers)
}
