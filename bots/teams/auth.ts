/**
 * Bot Framework (Microsoft Teams) inbound request authentication, as "Authenticate requests from the
 * Bot Connector service to your bot" describes
 * (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication#connector-to-bot):
 * an RS256 JWT in `Authorization: Bearer`, signed by a key listed in the Bot Connector's OpenID
 * metadata, whose claims name this bot and the activity's `serviceUrl`. Web APIs only (`fetch`,
 * `crypto.subtle`, `atob`), so it runs in workerd, Node and browsers alike.
 */

/** Why a request was refused. */
export type BotAuthFailure =
  | 'missing_token'
  | 'malformed_token'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'service_url_mismatch'
  | 'not_endorsed'
  | 'metadata_unavailable'

/** The verified token's claims, or why the request was refused (`metadata_unavailable` is ours, not theirs). */
export type BotAuthResult =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; reason: BotAuthFailure }

/** The fields of the inbound Activity that the token must vouch for. */
export interface BotActivityOrigin {
  serviceUrl?: string
  channelId?: string
}

/** Settings for {@link createBotFrameworkAuth}; all but `appId` have production defaults. */
export interface BotFrameworkAuthOptions {
  /** The bot's Microsoft App ID: the only accepted `aud`. */
  appId: string
  metadataUrl?: string
  fetch?: typeof fetch
  /** Current time in ms (injected in tests). */
  now?: () => number
  /** How long metadata and keys stay fresh. */
  cacheMs?: number
}

/** A verifier bound to one bot; keeps the Bot Connector's signing keys between calls. */
export interface BotFrameworkAuth {
  verify(authorization: string | null | undefined, activity: BotActivityOrigin): Promise<BotAuthResult>
}

/** The Bot Connector's OpenID metadata (public cloud). */
export const BOT_FRAMEWORK_METADATA_URL = 'https://login.botframework.com/v1/.well-known/openidconfiguration'
/** The only `iss` the Bot Connector uses when calling a bot. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com'
/** Clock skew allowed either side of `nbf`/`exp`: Microsoft's "industry-standard" 5 minutes. */
export const CLOCK_SKEW_SECONDS = 5 * 60
/** An unknown `kid` refetches the keys at most this often, so forged kids cannot make us hammer Microsoft. */
export const KEY_REFETCH_INTERVAL_MS = 5 * 60_000

const DAY_MS = 24 * 60 * 60_000
// Real tokens are ~1.5 KB; anything far larger is not worth decoding.
const MAX_TOKEN_LENGTH = 16_384

type VerifyKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>
type Failure = { ok: false; reason: BotAuthFailure }
interface SigningKey {
  n: string
  e: string
  endorsements: string[] | undefined
  imported?: VerifyKey
}
interface KeySet {
  keys: Map<string, SigningKey>
  fetchedAt: number
}
interface JwtParts {
  header: Record<string, unknown>
  claims: Record<string, unknown>
  signedInput: Uint8Array
  signature: Uint8Array
}

/**
 * Creates a verifier for requests the Bot Connector sends to this bot. `verify` checks, in order: a
 * Bearer JWT, RS256, a signing key from the metadata's `jwks_uri` (refetched on an unknown `kid`,
 * at most once per {@link KEY_REFETCH_INTERVAL_MS}), the signature, the key's `endorsements` against
 * the activity's `channelId`, `iss`, `aud`, `exp`/`nbf` with 5 minutes of skew, and the `serviceurl`
 * claim against the activity's `serviceUrl`. Claims are only judged once the signature holds, so a
 * forged token always reads `bad_signature`. Never throws; unreachable metadata is
 * `metadata_unavailable` (answer 503, not 401).
 */
export function createBotFrameworkAuth(options: BotFrameworkAuthOptions): BotFrameworkAuth {
  const metadataUrl = options.metadataUrl ?? BOT_FRAMEWORK_METADATA_URL
  // Wrapped, not stored: workerd throws "Illegal invocation" when fetch is called detached from globalThis.
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init))
  const now = options.now ?? Date.now
  const cacheMs = options.cacheMs ?? DAY_MS
  let jwksUri: { url: string; fetchedAt: number } | undefined
  let keySet: KeySet | undefined
  let lastKeyFetch = Number.NEGATIVE_INFINITY

  // Only settled results are cached, never an in-flight promise: on Workers a fetch started by one
  // request hangs forever for the others if that request is cancelled (panva/jose#355, #509).
  async function fetchKeys(): Promise<KeySet | undefined> {
    lastKeyFetch = now()
    if (!jwksUri || now() - jwksUri.fetchedAt >= cacheMs) {
      const url = readJwksUri(await getJson(doFetch, metadataUrl))
      if (!url) return undefined
      jwksUri = { url, fetchedAt: now() }
    }
    const keys = readKeys(await getJson(doFetch, jwksUri.url))
    if (!keys) return undefined
    keySet = { keys, fetchedAt: now() }
    return keySet
  }

  async function findKey(kid: string): Promise<SigningKey | Failure> {
    let set = keySet && now() - keySet.fetchedAt < cacheMs ? keySet : await fetchKeys()
    if (!set) return fail('metadata_unavailable')
    const cached = set.keys.get(kid)
    if (cached) return cached
    // Microsoft rolls keys over by publishing new ones: an unknown kid may be a new key, not a forgery.
    if (now() - lastKeyFetch < KEY_REFETCH_INTERVAL_MS) return fail('unknown_key')
    set = await fetchKeys()
    if (!set) return fail('metadata_unavailable')
    return set.keys.get(kid) ?? fail('unknown_key')
  }

  async function verify(authorization: string | null | undefined, activity: BotActivityOrigin) {
    const token = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1]
    if (!token) return fail('missing_token')
    const jwt = parseJwt(token)
    // RS256 only, as the metadata's id_token_signing_alg_values_supported says; this also shuts out `none`.
    if (jwt?.header.alg !== 'RS256' || typeof jwt.header.kid !== 'string') return fail('malformed_token')
    const key = await findKey(jwt.header.kid)
    if ('ok' in key) return key
    if (!(await verifySignature(key, jwt))) return fail('bad_signature')
    return checkClaims(jwt.claims, key, activity, options.appId, now() / 1000)
  }

  return {
    async verify(authorization, activity) {
      try {
        return await verify(authorization, activity)
      } catch {
        // Everything above is written not to throw; this keeps "never throws" true regardless.
        return fail('malformed_token')
      }
    },
  }
}

function checkClaims(
  claims: Record<string, unknown>,
  key: SigningKey,
  activity: BotActivityOrigin,
  appId: string,
  nowSeconds: number,
): BotAuthResult {
  // As the Bot Framework SDKs do: an activity without a channelId asserts nothing to endorse.
  if (key.endorsements?.length && activity.channelId && !key.endorsements.includes(activity.channelId)) {
    return fail('not_endorsed')
  }
  if (claims.iss !== BOT_FRAMEWORK_ISSUER) return fail('wrong_issuer')
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  if (!appId || !aud.includes(appId)) return fail('wrong_audience')
  const { exp, nbf } = claims
  if (typeof exp !== 'number' || (nbf !== undefined && typeof nbf !== 'number'))
    return fail('malformed_token')
  if (nowSeconds >= exp + CLOCK_SKEW_SECONDS) return fail('expired')
  if (typeof nbf === 'number' && nowSeconds < nbf - CLOCK_SKEW_SECONDS) return fail('not_yet_valid')
  // The bot replies to activity.serviceUrl with its own token, so an unvouched URL would leak that token.
  // Case-insensitive, as botbuilder-dotnet compares it.
  const claimed = claims.serviceurl
  if (
    typeof claimed !== 'string' ||
    !claimed ||
    typeof activity.serviceUrl !== 'string' ||
    claimed.toLowerCase() !== activity.serviceUrl.toLowerCase()
  ) {
    return fail('service_url_mismatch')
  }
  return { ok: true, claims }
}

async function verifySignature(key: SigningKey, jwt: JwtParts): Promise<boolean> {
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
    // A key Microsoft published that Web Crypto will not import cannot vouch for anything.
    return false
  }
}

function parseJwt(token: string): JwtParts | undefined {
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

async function getJson(doFetch: typeof fetch, url: string): Promise<unknown> {
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

function readJwksUri(metadata: unknown): string | undefined {
  if (!isObject(metadata) || typeof metadata.jwks_uri !== 'string') return undefined
  return URL.canParse(metadata.jwks_uri) ? metadata.jwks_uri : undefined
}

/** Keeps the RSA signing keys with a kid; other entries are skipped, not fatal. */
function readKeys(jwks: unknown): Map<string, SigningKey> | undefined {
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fail(reason: BotAuthFailure): Failure {
  return { ok: false, reason }
}
