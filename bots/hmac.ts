/**
 * HMAC-SHA256 with Web Crypto (workerd, Node, browsers), the imported key cached per secret:
 * webhook verification runs on every request and importing the key each time is wasted work.
 * Slack wants the MAC in hex, DingTalk in Base64.
 */
const keyCache = new Map<string, Promise<Awaited<ReturnType<typeof crypto.subtle.importKey>>>>()

export async function hmacSha256(secret: string, message: string): Promise<Uint8Array> {
  let key = keyCache.get(secret)
  if (!key) {
    key = crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    if (keyCache.size > 8) keyCache.clear()
    keyCache.set(secret, key)
  }
  return new Uint8Array(await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(message)))
}

export const toHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

export function toBase64(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}

/** Compares two strings in time that depends only on their length, not on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a)
  const y = new TextEncoder().encode(b)
  let diff = x.length ^ y.length
  for (let i = 0; i < x.length; i++) diff |= (x[i] as number) ^ (y[i % y.length] ?? 0)
  return diff === 0
}
