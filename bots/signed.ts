import { constantTimeEqual, hmacSha256, toBase64 } from './hmac'

/**
 * Small signed, expiring tokens (login state, session cookies, form tokens): `payload.mac`, both
 * base64url, the MAC an HMAC-SHA256 over the payload with a key that names its purpose, so a token
 * minted for one use is refused for another. Tamper-evident, not secret: put nothing in one that
 * its holder may not read.
 */
export interface Sealed {
  /** What the token is for; part of the key. */
  purpose: string
  /** Expiry, ms since the epoch. */
  exp: number
}

const enc = (bytes: Uint8Array) => toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

const dec = (text: string): Uint8Array => {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(bin, (c) => c.charCodeAt(0))
}

const keyOf = (secret: string, purpose: string) => `policybot:${purpose}:${secret}`

export async function seal<T extends object>(
  secret: string,
  purpose: string,
  data: T,
  ttlMs: number,
  now = Date.now(),
): Promise<string> {
  const payload = enc(new TextEncoder().encode(JSON.stringify({ ...data, purpose, exp: now + ttlMs })))
  return `${payload}.${enc(await hmacSha256(keyOf(secret, purpose), payload))}`
}

/** The token's data when its MAC, purpose and expiry hold; otherwise undefined. */
export async function unseal<T extends object>(
  secret: string,
  purpose: string,
  token: string | null | undefined,
  now = Date.now(),
): Promise<(T & Sealed) | undefined> {
  const [payload, mac, extra] = (token ?? '').split('.')
  if (!payload || !mac || extra !== undefined) return undefined
  const expected = enc(await hmacSha256(keyOf(secret, purpose), payload))
  if (!constantTimeEqual(expected, mac)) return undefined
  try {
    const data = JSON.parse(new TextDecoder().decode(dec(payload))) as T & Sealed
    return data.purpose === purpose && typeof data.exp === 'number' && data.exp > now ? data : undefined
  } catch {
    return undefined
  }
}
