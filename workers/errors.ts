import { redactPii } from './privacy/pii'
/**
 * The error shape shared by every part of policybot: a stable `code` to branch on, a literal
 * `name`, a human message that names the offending thing (file, variable, field) and an optional
 * `cause`. Check errors with `isPolicybotError(e, 'CODE')`, never `instanceof`: bundles may carry
 * two copies of this class.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'FILE_NOT_FOUND'
  | 'FILE_TOO_LARGE'
  | 'FILE_EMPTY'
  | 'FILE_CORRUPT'
  | 'FILE_ENCRYPTED'
  | 'FILE_BINARY'
  | 'FILE_UNSUPPORTED'
  | 'FILE_NO_TEXT'
  /** Front matter that cannot be read (bad YAML, an audience that is not a list of names). */
  | 'FILE_FRONT_MATTER'
  | 'DATA_DIR_LOCKED'
  | 'DB_ERROR'
  | 'EMBEDDER_ERROR'
  | 'EMBEDDER_MISMATCH'
  | 'CHAT_ERROR'
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'PORT_IN_USE'
  | 'WORKER_EXITED'
  | 'WORKER_TIMEOUT'
  /** A chat platform's API refused or failed a call (Slack, Bot Connector, DingTalk). */
  | 'PLATFORM_ERROR'

/** Codes whose failures pass by themselves (a retry later may succeed) unless the thrower says otherwise. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set([
  'DB_ERROR',
  'EMBEDDER_ERROR',
  'CHAT_ERROR',
  'WORKER_TIMEOUT',
])

export interface PolicybotErrorOptions {
  cause?: unknown
  /** HTTP status to answer with where the error reaches a client (default 500). */
  status?: number
  /** Whether trying again later can help (default: by code, see TRANSIENT). */
  retryable?: boolean
  /** How long the other side asked us to wait before trying again (`Retry-After`). */
  retryAfterSeconds?: number
}

export class PolicybotError extends Error {
  override readonly name = 'PolicybotError' as const
  readonly code: ErrorCode
  readonly status: number
  readonly retryable: boolean
  readonly retryAfterSeconds: number | undefined

  constructor(code: ErrorCode, message: string, options: PolicybotErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options.status ?? 500
    this.retryable = options.retryable ?? TRANSIENT.has(code)
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

/** Whether a failed job may be tried again, and how long the other side asked us to wait. */
export interface RetryAdvice {
  retryable: boolean
  retryAfterSeconds?: number
}

/**
 * What a failure means for the job that met it, decided here once for every job and platform: a
 * policybot error says so itself (a platform's 429 or 5xx is retryable, with its `Retry-After`;
 * `channel_not_found` or a 403 is not); any other error (a dropped database connection, a reset
 * socket) is taken as passing, since dropping a question over a hiccup is the worse mistake.
 */
export function retryAdvice(e: unknown): RetryAdvice {
  if (!isPolicybotError(e)) return { retryable: true }
  const err = e as PolicybotError
  return {
    retryable: err.retryable !== false,
    ...(typeof err.retryAfterSeconds === 'number' && Number.isFinite(err.retryAfterSeconds)
      ? { retryAfterSeconds: err.retryAfterSeconds }
      : {}),
  }
}

/**
 * `fetch` for a platform client: a request that got no response (connection refused or reset, DNS)
 * becomes the client's own error, retryable, made by `toError` from what went wrong.
 */
export async function reach(
  doFetch: typeof fetch,
  input: string | URL,
  init: RequestInit,
  toError: (what: string) => Error,
  timeoutMs = REACH_TIMEOUT_MS,
): Promise<Response> {
  try {
    return await doFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })
  } catch (e) {
    throw toError(
      e instanceof Error && e.name === 'TimeoutError'
        ? `no response within ${timeoutMs / 1000} s`
        : messageOf(e),
    )
  }
}

/**
 * How long a platform call may go unanswered: a connection the platform holds open without
 * answering fails the call (retryable) instead of holding the job until the runtime kills it.
 */
export const REACH_TIMEOUT_MS = 15_000

/** Seconds from an HTTP `Retry-After` header (seconds or an HTTP date), if it holds one. */
export function retryAfterHeader(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const at = Date.parse(value)
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : undefined
}

/** True when `e` is a policybot error (optionally with the given code), across bundle copies. */
export function isPolicybotError(e: unknown, code?: ErrorCode): e is PolicybotError {
  if (typeof e !== 'object' || e === null) return false
  const err = e as { name?: unknown; code?: unknown }
  return err.name === 'PolicybotError' && (code === undefined || err.code === code)
}

/**
 * The message of any thrown value, for logs and CLI output, with nobody's words in it: drizzle
 * wraps a driver error as "Failed query: <sql> params: <values>", and the values are questions
 * and user ids, so the driver's own message under it is used; personal data is redacted.
 */
export function messageOf(e: unknown): string {
  let cur = e
  for (let i = 0; i < 4 && cur instanceof Error && cur.message.startsWith('Failed query:') && cur.cause; i++)
    cur = cur.cause
  const text = cur instanceof Error ? cur.message : String(cur)
  return redactPii(text.length > 1000 ? `${text.slice(0, 1000)}…` : text).text
}

/** Logs a failure: its safe message (`messageOf`) and where it happened, never its raw text. */
export function logError(what: string, e: unknown): void {
  const frames = e instanceof Error && e.stack ? e.stack.split('\n').filter((l) => /^\s+at /.test(l)) : []
  console.error([`${what}: ${messageOf(e)}`, ...frames.slice(0, 8)].join('\n'))
}
