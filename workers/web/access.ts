import { createKeyCache, parseJwt, verifySignature } from '../../bots/jwt'

/**
 * Cloudflare Access in front of the Worker: every request Access lets through carries an RS256
 * JWT in `Cf-Access-Jwt-Assertion`, signed by the team's keys at
 * `https://TEAM.cloudflareaccess.com/cdn-cgi/access/certs`. The Worker checks it itself, so a
 * request that reaches the Worker some other way (its workers.dev address, a second route) is
 * still refused. The `CF_Authorization` cookie is not read: Cloudflare does not promise to pass it.
 */
export type AccessFailure =
  | 'missing_token'
  | 'malformed_token'
  | 'unknown_key'
  | 'bad_signature'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'expired'
  | 'not_yet_valid'
  | 'no_identity'
  | 'metadata_unavailable'

export type AccessResult = { ok: true; email: string } | { ok: false; reason: AccessFailure }

const SKEW_SECONDS = 60
const HOUR_MS = 3600_000
const caches = new Map<string, ReturnType<typeof createKeyCache>>()

export interface AccessOptions {
  /** https://TEAM.cloudflareaccess.com: where the keys are, and the tokens' `iss`. */
  teamDomain: string
  /** The Access application's AUD tag. */
  aud: string
  fetch?: typeof fetch
  now?: () => number
}

/** Verifies an Access assertion; never throws (unreachable keys are `metadata_unavailable`). */
export async function verifyAccess(
  token: string | null | undefined,
  options: AccessOptions,
): Promise<AccessResult> {
  const now = options.now ?? Date.now
  const fail = (reason: AccessFailure) => ({ ok: false, reason }) as const
  try {
    if (!token) return fail('missing_token')
    const jwt = parseJwt(token)
    if (jwt?.header.alg !== 'RS256' || typeof jwt.header.kid !== 'string') return fail('malformed_token')
    let keys = caches.get(options.teamDomain)
    if (!keys) {
      // Wrapped, not stored: workerd throws "Illegal invocation" on a detached fetch.
      const doFetch: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init))
      keys = createKeyCache({
        jwksUrl: async () => `${options.teamDomain}/cdn-cgi/access/certs`,
        fetch: doFetch,
        now,
        // Access rotates its key every six weeks and keeps the old one valid for seven days.
        cacheMs: HOUR_MS,
        refetchMs: 5 * 60_000,
      })
      caches.set(options.teamDomain, keys)
    }
    const key = await keys.find(jwt.header.kid)
    if (typeof key === 'string') return fail(key)
    if (!(await verifySignature(key, jwt))) return fail('bad_signature')
    const c = jwt.claims
    if (c.iss !== options.teamDomain) return fail('wrong_issuer')
    const aud = Array.isArray(c.aud) ? c.aud : [c.aud]
    if (!aud.includes(options.aud)) return fail('wrong_audience')
    const seconds = now() / 1000
    if (typeof c.exp !== 'number' || seconds >= c.exp + SKEW_SECONDS) return fail('expired')
    if (typeof c.nbf === 'number' && seconds < c.nbf - SKEW_SECONDS) return fail('not_yet_valid')
    // A service token (a machine, not a person) has no email: the console is for people.
    if (typeof c.email !== 'string' || !c.email.includes('@')) return fail('no_identity')
    return { ok: true, email: c.email.toLowerCase() }
  } catch {
    return fail('malformed_token')
  }
}
