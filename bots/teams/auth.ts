/**
 * Bot Framework (Microsoft Teams) inbound request authentication, as "Authenticate requests from the
 * Bot Connector service to your bot" describes
 * (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication#connector-to-bot):
 * an RS256 JWT in `Authorization: Bearer`, signed by a key listed in the Bot Connector's OpenID
 * metadata, whose claims name this bot and the activity's `serviceUrl`. Web APIs only (`fetch`,
 * `crypto.subtle`, `atob`), so it runs in workerd, Node and browsers alike.
 */
import { createKeyCache, getJson, isObject, parseJwt, type SigningKey, verifySignature } from '../jwt'

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

type Failure = { ok: false; reason: BotAuthFailure }

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
  const keys = createKeyCache({
    fetch: doFetch,
    now,
    cacheMs,
    refetchMs: KEY_REFETCH_INTERVAL_MS,
    async jwksUrl() {
      if (!jwksUri || now() - jwksUri.fetchedAt >= cacheMs) {
        const url = readJwksUri(await getJson(doFetch, metadataUrl))
        if (!url) return undefined
        jwksUri = { url, fetchedAt: now() }
      }
      return jwksUri.url
    },
  })

  async function verify(authorization: string | null | undefined, activity: BotActivityOrigin) {
    const token = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1]
    if (!token) return fail('missing_token')
    const jwt = parseJwt(token)
    // RS256 only, as the metadata's id_token_signing_alg_values_supported says; this also shuts out `none`.
    if (jwt?.header.alg !== 'RS256' || typeof jwt.header.kid !== 'string') return fail('malformed_token')
    const key = await keys.find(jwt.header.kid)
    if (typeof key === 'string') return fail(key)
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

function readJwksUri(metadata: unknown): string | undefined {
  if (!isObject(metadata) || typeof metadata.jwks_uri !== 'string') return undefined
  return URL.canParse(metadata.jwks_uri) ? metadata.jwks_uri : undefined
}

function fail(reason: BotAuthFailure): Failure {
  return { ok: false, reason }
}
