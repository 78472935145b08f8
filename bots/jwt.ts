/**
 * RS256 JSON Web Tokens checked against a published key set (JWKS), for the Bot Connector's tokens
 * (bots/teams/auth.ts) and Cloudflare Access's (workers/web/access.ts). Web APIs only (`fetch`,
 * `crypto.subtle`, `atob`), so it runs in workerd and Node alike. Nothing here throws on bad input.
 */

// Real tokens are ~1.5 KB; anything far larger is not worth decoding.
const MAX_TOKEN_LENGTH = 16_384

type VerifyKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>

/** An RSA signing key from a JWKS (`endorsements` is the Bot Framework's extension). */
export interface SigningKey {
  n: string
  e: string
  endorsements: string[] | undefined
  imported?: VerifyKey
}

export interface JwtParts {
  header: Record<string, unknown>
  claims: Record<string, unknown>
  signedInput: Uint8Array
  signature: Uint8Array
}

/** Why no key was found for a `kid`. */
export type KeyFailure = 'metadata_unavailable' | 'unknown_key'

export interface KeyCacheOptions {
  /** Where the key set is (for OpenID metadata, read from its `jwks_uri` first). */
  jwksUrl: () => Promise<string | undefined>
  fetch: typeof fetch
  now: () => number
  /** How long a fetched key set stays fresh. */
  cacheMs: number
  /** An unknown `kid` refetches the keys at most this often, so forged kids cannot make us hammer the issuer. */
  refetchMs: number
}

/**
 * A JWKS kept between calls: refetched when stale, and on an unknown `kid` (issuers roll keys over
 * by publishing new ones) at most once per `refetchMs`. Only settled results are cached, never an
 * in-flight promise: on Workers a fetch started by one request hangs forever for the others if that
 * request is cancelled (panva/jose#355, #509).
 */
export function createKeyCache(options: KeyCacheOptions) {
  const { now } = options
  let keySet: { keys: Map<string, SigningKey>; fetchedAt: number } | undefined
  let lastKeyFetch = Number.NEGATIVE_INFINITY

  async function fetchKeys() {
    lastKeyFetch = now()
    const url = await options.jwksUrl()
    const keys = url ? readKeys(await getJson(options.fetch, url)) : undefined
    if (!keys) return undefined
    keySet = { keys, fetchedAt: now() }
    return keySet
  }

  return {
    async find(kid: string): Promise<SigningKey | KeyFailure> {
      let set = keySet && now() - keySet.fetchedAt < options.cacheMs ? keySet : await fetchKeys()
      if (!set) return 'metadata_unavailable'
      const cached = set.keys.get(kid)
      if (cached) return cached
      if (now() - lastKeyFetch < options.refetchMs) return 'unknown_key'
      set = await fetchKeys()
      if (!set) return 'metadata_unavailable'
      return set.keys.get(kid) ?? 'unknown_key'
    },
  }
}

export async function verifySignature(key: SigningKey, jwt: JwtParts): Promise<boolean> {
  try {
    key.imported ??= await crypto.subtle.importKey(
      'jwk',
      { kty: 'RSA', n: key.n, e: key.e, alg: 'RS256', ext: true },
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['verify'],
    )
    return await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key.imported, jwt.signature, jwt.signedInput)
  } catch {
    // A published key that Web Crypto will not import cannot vouch for anything.
    return false
  }
}

export function parseJwt(token: string): JwtParts | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  const [h, p, s] = parts as [string, string, string]
  const header = decodeJsonObject(h)
  const claims = decodeJsonObject(p)
  const signature = base64UrlDecode(s)
  if (!header || !claims || !signature?.length) return undefined
  return { header, claims, signature, signedInput: new TextEncoder().encode(`${h}.${p}`) }
}

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  const bytes = base64UrlDecode(segment)
  if (!bytes) return undefined
  try {
    const value: unknown = JSON.parse(
      new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes),
    )
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** Strict base64url (RFC 7515 §2: no padding, no whitespace); `undefined` for anything else. */
function base64UrlDecode(segment: string): Uint8Array | undefined {
  // A length of 4k+1 cannot come from whole bytes; atob would reject it, but say so plainly.
  if (!/^[A-Za-z0-9_-]*$/.test(segment) || segment.length % 4 === 1) return undefined
  const base64 = segment
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(segment.length / 4) * 4, '=')
  try {
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}

export async function getJson(doFetch: typeof fetch, url: string): Promise<unknown> {
  try {
    const res = await doFetch(url, { headers: { accept: 'application/json' } })
    if (!res.ok) {
      await res.body?.cancel()
      return undefined
    }
    return await res.json()
  } catch {
    return undefined
  }
}

/** Keeps the RSA signing keys with a kid; other entries are skipped, not fatal. */
export function readKeys(jwks: unknown): Map<string, SigningKey> | undefined {
  if (!isObject(jwks) || !Array.isArray(jwks.keys)) return undefined
  const keys = new Map<string, SigningKey>()
  for (const k of jwks.keys as unknown[]) {
    if (!isObject(k) || k.kty !== 'RSA' || (k.use !== undefined && k.use !== 'sig')) continue
    if (typeof k.kid !== 'string' || typeof k.n !== 'string' || typeof k.e !== 'string') continue
    const endorsements = Array.isArray(k.endorsements)
      ? k.endorsements.filter((x): x is string => typeof x === 'string')
      : undefined
    keys.set(k.kid, { n: k.n, e: k.e, endorsements })
  }
  return keys
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
