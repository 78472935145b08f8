import { constantTimeEqual, hmacSha256, toHex } from '../hmac'

/**
 * Slack request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed with the signing secret, and a
 * timestamp no more than five minutes from now (replay window). Web Crypto only, so it runs in
 * workerd, Node and browsers alike.
 */

/** Why a request was refused; `ok` when it is authentic. */
export type SlackVerification =
  | { ok: true }
  | { ok: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' }

/** Seconds a signed request stays valid either side of now. */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60

export interface VerifyOptions {
  signingSecret: string
  /** The `X-Slack-Request-Timestamp` header. */
  timestamp: string | null | undefined
  /** The `X-Slack-Signature` header. */
  signature: string | null | undefined
  /** The body exactly as received, before any parsing. */
  rawBody: string
  /** Current time in ms (injected in tests). */
  now?: number
}

/** Checks a request's signature and timestamp; never throws for bad input. */
export async function verifySlackSignature(options: VerifyOptions): Promise<SlackVerification> {
  const { timestamp, signature } = options
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp) || !signature.startsWith('v0=')) {
    return { ok: false, reason: 'missing_headers' }
  }
  const now = Math.floor((options.now ?? Date.now()) / 1000)
  if (Math.abs(now - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS)
    return { ok: false, reason: 'stale_timestamp' }
  const expected = `v0=${await hmacSha256Hex(options.signingSecret, `v0:${timestamp}:${options.rawBody}`)}`
  return constantTimeEqual(expected, signature) ? { ok: true } : { ok: false, reason: 'bad_signature' }
}

/** Signs a body as Slack would: for tests, benchmarks and the Socket Mode bridge. */
export async function signSlackRequest(signingSecret: string, timestamp: number, rawBody: string) {
  return `v0=${await hmacSha256Hex(signingSecret, `v0:${timestamp}:${rawBody}`)}`
}

async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  return toHex(await hmacSha256(secret, message))
}

export { constantTimeEqual }
