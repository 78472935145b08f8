import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto'
import { startTestServer } from './http-server'

/** Settings for {@link startBotFrameworkIdentity}. */
export interface BotFrameworkIdentityOptions {
  /** The bot's Microsoft App ID, the default `aud`. */
  appId?: string
  /** Endorsements published with each key; Microsoft lists channel ids such as `msteams`. */
  endorsements?: string[]
  /** Clock for the default `exp`/`nbf`, in ms. */
  now?: () => number
}

/** Options for one signed token. */
export interface BotTokenOptions {
  /** The header's `kid`; defaults to the current key's. */
  kid?: string
  /** `other` signs with a private key that is not published, under the same kid. */
  key?: 'good' | 'other'
}

interface KeyPair {
  kid: string
  privateKey: KeyObject
  jwk: Record<string, unknown>
}

/**
 * A stand-in for the Bot Connector's identity on 127.0.0.1: it serves OpenID metadata and a JWKS
 * shaped as login.botframework.com serves them (RSA keys with `kid`, `use: sig` and Microsoft's
 * extra `endorsements`), and signs RS256 tokens as the Bot Connector would when calling a bot.
 * `requests` lists the paths fetched, for asserting caching; `rotate()` publishes a new key and
 * signs with it from then on.
 */
export async function startBotFrameworkIdentity(options: BotFrameworkIdentityOptions = {}) {
  const appId = options.appId ?? '00000000-0000-0000-0000-00000000b07a'
  const endorsements = options.endorsements ?? ['msteams']
  const now = options.now ?? Date.now
  const keys: KeyPair[] = [newKey(endorsements)]
  const other = newKey(endorsements)
  const server = await startTestServer((req) => {
    if (req.path === '/v1/.well-known/openidconfiguration') {
      return {
        json: {
          issuer: 'https://api.botframework.com',
          authorization_endpoint: 'https://invalid.botframework.com',
          jwks_uri: `${server.url}/v1/.well-known/keys`,
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['private_key_jwt'],
        },
      }
    }
    if (req.path === '/v1/.well-known/keys') return { json: { keys: keys.map((k) => k.jwk) } }
    return { status: 404, json: { error: 'not found' } }
  })
  const current = () => keys[keys.length - 1] as KeyPair

  return {
    appId,
    /** The OpenID metadata URL, for `createBotFrameworkAuth({ metadataUrl })`. */
    url: `${server.url}/v1/.well-known/openidconfiguration`,
    /** Paths requested so far, oldest first. */
    get requests(): string[] {
      return server.requests.map((r) => r.path)
    },
    /** The kid tokens are signed with by default. */
    get kid(): string {
      return current().kid
    },
    /** An RS256 JWT carrying the default claims overlaid with `claims` (`undefined` removes one). */
    token(claims: Record<string, unknown>, opts: BotTokenOptions = {}): string {
      const seconds = Math.floor(now() / 1000)
      const payload = Object.fromEntries(
        Object.entries({
          iss: 'https://api.botframework.com',
          aud: appId,
          exp: seconds + 3600,
          nbf: seconds - 60,
          ...claims,
        }).filter(([, v]) => v !== undefined),
      )
      const header = {
        alg: 'RS256',
        typ: 'JWT',
        kid: opts.kid ?? current().kid,
        x5t: opts.kid ?? current().kid,
      }
      const input = `${encode(header)}.${encode(payload)}`
      const key = opts.key === 'other' ? other.privateKey : current().privateKey
      return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`
    },
    /** Publishes a new key (with `endorsements`, default as at start) and signs with it from now on. */
    rotate(rotated: string[] = endorsements): string {
      keys.push(newKey(rotated))
      return current().kid
    },
    close: () => server.close(),
  }
}

function newKey(endorsements: string[]): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = randomUUID()
  const { n, e } = publicKey.export({ format: 'jwk' })
  return { kid, privateKey, jwk: { kty: 'RSA', use: 'sig', kid, x5t: kid, n, e, endorsements } }
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}
