import { constantTimeEqual, hmacSha256, toBase64 } from '../hmac'

/**
 * DingTalk robot callback signing (HTTP mode, "机器人接收消息"): headers `timestamp` (ms) and
 * `sign` = Base64(HMAC-SHA256(key = app secret, message = timestamp + "\n" + app secret)), with the
 * timestamp within one hour of now. The signature does not cover the body, so a captured pair
 * could be replayed with another body inside the window: the window here is shorter (10 minutes
 * by default) and every message is also de-duplicated on its `msgId`. Web Crypto only.
 */
export type DingTalkVerification =
  | { ok: true }
  | { ok: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' }

/** DingTalk's own limit is one hour; we accept less. */
export const DINGTALK_WINDOW_MS = 10 * 60_000

export interface DingTalkVerifyOptions {
  appSecret: string
  timestamp: string | null | undefined
  sign: string | null | undefined
  now?: number
  windowMs?: number
}

export async function verifyDingTalkSignature(o: DingTalkVerifyOptions): Promise<DingTalkVerification> {
  if (!o.timestamp || !o.sign || !/^\d{10,14}$/.test(o.timestamp))
    return { ok: false, reason: 'missing_headers' }
  const now = o.now ?? Date.now()
  if (Math.abs(now - Number(o.timestamp)) > (o.windowMs ?? DINGTALK_WINDOW_MS)) {
    return { ok: false, reason: 'stale_timestamp' }
  }
  const expected = await signDingTalk(o.appSecret, o.timestamp)
  return constantTimeEqual(expected, o.sign) ? { ok: true } : { ok: false, reason: 'bad_signature' }
}

/** The `sign` DingTalk sends for a timestamp (for tests and the Stream relay). */
export async function signDingTalk(appSecret: string, timestamp: string): Promise<string> {
  return toBase64(await hmacSha256(appSecret, `${timestamp}\n${appSecret}`))
}
