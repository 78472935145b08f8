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

export class PolicybotError extends Error {
  override readonly name = 'PolicybotError' as const
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** True when `e` is a policybot error (optionally with the given code), across bundle copies. */
export function isPolicybotError(e: unknown, code?: ErrorCode): e is PolicybotError {
  if (typeof e !== 'object' || e === null) return false
  const err = e as { name?: unknown; code?: unknown }
  return err.name === 'PolicybotError' && (code === undefined || err.code === code)
}

/** The message of any thrown value, for logs and CLI output. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
