/**
 * The runner's one error class. `status` and `type` follow OpenAI's error envelope so that OpenAI
 * clients (the Worker's `openai` client among them) read our errors as their own; `code` is stable
 * and is what code and tests check (never `instanceof`: bundles may duplicate classes).
 */
export type RunnerErrorCode =
  | 'INVALID_API_KEY'
  | 'INVALID_JSON'
  | 'INVALID_REQUEST'
  | 'BODY_TOO_LARGE'
  | 'MODEL_NOT_FOUND'
  | 'ADAPTER_NOT_FOUND'
  | 'ADAPTER_INVALID'
  | 'ADAPTER_EXISTS'
  | 'ADAPTER_IN_CONFIG'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'QUEUE_FULL'
  | 'NOT_READY'
  | 'TIMEOUT'
  | 'UPSTREAM_FAILED'
  | 'SWAP_FAILED'
  | 'SHUTTING_DOWN'
  | 'INTERNAL'

const STATUS: Record<RunnerErrorCode, number> = {
  INVALID_API_KEY: 401,
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  BODY_TOO_LARGE: 413,
  MODEL_NOT_FOUND: 404,
  ADAPTER_NOT_FOUND: 404,
  ADAPTER_INVALID: 422,
  ADAPTER_EXISTS: 409,
  ADAPTER_IN_CONFIG: 409,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  QUEUE_FULL: 429,
  NOT_READY: 503,
  TIMEOUT: 504,
  UPSTREAM_FAILED: 502,
  SWAP_FAILED: 500,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
}

/** OpenAI's `type` for each status class. */
function openAiType(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 429) return 'rate_limit_error'
  if (status >= 500) return 'server_error'
  return 'invalid_request_error'
}

export class RunnerError extends Error {
  override readonly name = 'RunnerError' as const
  readonly status: number
  readonly type: string
  /** Seconds, sent as `Retry-After` (429 and 503). */
  readonly retryAfter: number | undefined
  readonly param: string | undefined

  constructor(
    readonly code: RunnerErrorCode,
    message: string,
    options: { cause?: unknown; retryAfter?: number; param?: string } = {},
  ) {
    super(message, { cause: options.cause })
    this.status = STATUS[code]
    this.type = openAiType(this.status)
    this.retryAfter = options.retryAfter
    this.param = options.param
  }

  /** OpenAI's envelope: `{ error: { message, type, param, code } }`. */
  toJSON(): { error: { message: string; type: string; param: string | null; code: string } } {
    return {
      error: {
        message: this.message,
        type: this.type,
        param: this.param ?? null,
        code: this.code.toLowerCase(),
      },
    }
  }
}

/** Narrowing by `code`, not by class identity. */
export function isRunnerError(e: unknown): e is RunnerError {
  return e instanceof Error && e.name === 'RunnerError' && typeof (e as { code?: unknown }).code === 'string'
}
