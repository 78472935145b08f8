import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startBotFrameworkIdentity } from '../../test/helpers/bot-framework'
import { type BotFrameworkAuthOptions, createBotFrameworkAuth } from './auth'

type Identity = Awaited<ReturnType<typeof startBotFrameworkIdentity>>

const SERVICE_URL = 'https://smba.trafficmanager.net/amer/'
const TEAMS = { serviceUrl: SERVICE_URL, channelId: 'msteams' }
const METADATA = '/v1/.well-known/openidconfiguration'
const KEYS = '/v1/.well-known/keys'
const MINUTE = 60_000
const START = Date.UTC(2026, 0, 15, 9, 0, 0)

let clock = START
const now = () => clock
const seconds = () => Math.floor(clock / 1000)

function authFor(identity: Identity, overrides: Partial<BotFrameworkAuthOptions> = {}) {
  return createBotFrameworkAuth({ appId: identity.appId, metadataUrl: identity.url, now, ...overrides })
}

const bearer = (token: string) => `Bearer ${token}`

describe('Bot Framework token checks', () => {
  let identity: Identity

  beforeAll(async () => {
    identity = await startBotFrameworkIdentity({ now })
  })
  afterAll(() => identity.close())
  afterEach(() => {
    clock = START
  })

  const verify = (claims: Record<string, unknown>, activity = TEAMS) =>
    authFor(identity).verify(bearer(identity.token({ serviceurl: SERVICE_URL, ...claims })), activity)

  it('accepts a token the Bot Connector signed for this bot and returns its claims', async () => {
    const result = await verify({})
    expect(result).toEqual({ ok: true, claims: expect.objectContaining({ serviceurl: SERVICE_URL }) })
  })

  it('refuses a request without a bearer token', async () => {
    const auth = authFor(identity)
    for (const header of [null, undefined, '', 'Bearer ', 'Basic dXNlcjpwYXNz']) {
      expect(await auth.verify(header, TEAMS)).toEqual({ ok: false, reason: 'missing_token' })
    }
  })

  it('refuses a bearer value that is not a JWT', async () => {
    const auth = authFor(identity)
    const [h, p] = identity.token({ serviceurl: SERVICE_URL }).split('.')
    for (const token of [
      'abc',
      'a.b',
      `${h}.${p}`,
      `${h}.${p}.`,
      `${h}.${p}.c.d`,
      `${h}=.${p}.sig`,
      `e30.${p}.sig`,
    ]) {
      expect(await auth.verify(bearer(token), TEAMS), token).toEqual({ ok: false, reason: 'malformed_token' })
    }
  })

  it('refuses an unsigned alg none token', async () => {
    const [, payload] = identity.token({ serviceurl: SERVICE_URL }).split('.')
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: identity.kid })).toString('base64url')
    const result = await authFor(identity).verify(bearer(`${header}.${payload}.AA`), TEAMS)
    expect(result).toEqual({ ok: false, reason: 'malformed_token' })
  })

  it('refuses a token whose kid the keys document does not list', async () => {
    const token = identity.token({ serviceurl: SERVICE_URL }, { kid: 'not-a-published-key' })
    expect(await authFor(identity).verify(bearer(token), TEAMS)).toEqual({ ok: false, reason: 'unknown_key' })
  })

  it('refuses a token signed by another key under a published kid', async () => {
    const token = identity.token({ serviceurl: SERVICE_URL }, { key: 'other' })
    expect(await authFor(identity).verify(bearer(token), TEAMS)).toEqual({
      ok: false,
      reason: 'bad_signature',
    })
  })

  it('refuses a token whose claims were changed after signing', async () => {
    const [h, , s] = identity.token({ serviceurl: SERVICE_URL }).split('.')
    const [, forged] = identity.token({ serviceurl: 'https://attacker.example/' }).split('.')
    const result = await authFor(identity).verify(bearer(`${h}.${forged}.${s}`), TEAMS)
    expect(result).toEqual({ ok: false, reason: 'bad_signature' })
  })

  it('refuses a token from another issuer', async () => {
    const result = await verify({ iss: 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/' })
    expect(result).toEqual({ ok: false, reason: 'wrong_issuer' })
  })

  it('refuses a token meant for another bot', async () => {
    expect(await verify({ aud: 'someone-elses-app-id' })).toEqual({ ok: false, reason: 'wrong_audience' })
  })

  it('refuses a token that expired more than 5 minutes ago', async () => {
    expect(await verify({ exp: seconds() - 301 })).toEqual({ ok: false, reason: 'expired' })
  })

  it('refuses a token that becomes valid more than 5 minutes from now', async () => {
    expect(await verify({ nbf: seconds() + 301 })).toEqual({ ok: false, reason: 'not_yet_valid' })
  })

  it('accepts exp and nbf within 5 minutes of clock skew', async () => {
    expect(await verify({ exp: seconds() - 299 })).toMatchObject({ ok: true })
    expect(await verify({ nbf: seconds() + 299 })).toMatchObject({ ok: true })
  })

  it("refuses a token whose serviceurl is not the activity's serviceUrl", async () => {
    expect(await verify({ serviceurl: 'https://attacker.example/' })).toEqual({
      ok: false,
      reason: 'service_url_mismatch',
    })
    expect(await verify({}, { channelId: 'msteams' } as typeof TEAMS)).toEqual({
      ok: false,
      reason: 'service_url_mismatch',
    })
  })
})

describe('Bot Framework endorsements', () => {
  it('refuses an msteams activity signed by a key not endorsed for msteams', async () => {
    const identity = await startBotFrameworkIdentity({ now, endorsements: ['webchat', 'directline'] })
    try {
      const token = identity.token({ serviceurl: SERVICE_URL })
      expect(await authFor(identity).verify(bearer(token), TEAMS)).toEqual({
        ok: false,
        reason: 'not_endorsed',
      })
    } finally {
      await identity.close()
    }
  })
})

describe('Bot Framework signing keys', () => {
  let identity: Identity

  beforeAll(async () => {
    identity = await startBotFrameworkIdentity({ now })
  })
  afterAll(() => identity.close())
  afterEach(() => {
    clock = START
  })

  // Each test reads only the requests it caused.
  const requestsSince = (before: number) => identity.requests.slice(before)
  const token = (kid?: string) => bearer(identity.token({ serviceurl: SERVICE_URL }, kid ? { kid } : {}))

  it('fetches metadata and keys once and serves later requests from the cache', async () => {
    const before = identity.requests.length
    const auth = authFor(identity)
    expect(await auth.verify(token(), TEAMS)).toMatchObject({ ok: true })
    clock += 60 * MINUTE
    expect(await auth.verify(token(), TEAMS)).toMatchObject({ ok: true })
    expect(requestsSince(before)).toEqual([METADATA, KEYS])
  })

  it('fetches metadata and keys again once the cache is 24 hours old', async () => {
    const before = identity.requests.length
    const auth = authFor(identity)
    await auth.verify(token(), TEAMS)
    clock += 24 * 60 * MINUTE
    expect(await auth.verify(token(), TEAMS)).toMatchObject({ ok: true })
    expect(requestsSince(before)).toEqual([METADATA, KEYS, METADATA, KEYS])
  })

  it('refetches the keys when a token names a kid published since, at most once per 5 minutes', async () => {
    const before = identity.requests.length
    const auth = authFor(identity)
    await auth.verify(token(), TEAMS)
    const rotated = identity.rotate()

    // Within 5 minutes of the last fetch an unknown kid costs nothing.
    clock += 4 * MINUTE
    expect(await auth.verify(token(rotated), TEAMS)).toEqual({ ok: false, reason: 'unknown_key' })
    expect(requestsSince(before)).toEqual([METADATA, KEYS])

    clock += 1 * MINUTE
    expect(await auth.verify(token(rotated), TEAMS)).toMatchObject({ ok: true })
    expect(requestsSince(before)).toEqual([METADATA, KEYS, KEYS])

    clock += 1 * MINUTE
    expect(await auth.verify(token('ghost'), TEAMS)).toEqual({ ok: false, reason: 'unknown_key' })
    expect(await auth.verify(token('ghost'), TEAMS)).toEqual({ ok: false, reason: 'unknown_key' })
    expect(requestsSince(before)).toEqual([METADATA, KEYS, KEYS])

    clock += 5 * MINUTE
    expect(await auth.verify(token('ghost'), TEAMS)).toEqual({ ok: false, reason: 'unknown_key' })
    expect(requestsSince(before)).toEqual([METADATA, KEYS, KEYS, KEYS])
  })
})

describe('Bot Framework metadata outages', () => {
  it('answers metadata_unavailable when the metadata server is down', async () => {
    const identity = await startBotFrameworkIdentity({ now })
    const token = bearer(identity.token({ serviceurl: SERVICE_URL }))
    await identity.close()
    expect(await authFor(identity).verify(token, TEAMS)).toEqual({
      ok: false,
      reason: 'metadata_unavailable',
    })
  })

  it('answers metadata_unavailable when the metadata or keys answer with an error or junk', async () => {
    const identity = await startBotFrameworkIdentity({ now })
    try {
      const token = bearer(identity.token({ serviceurl: SERVICE_URL }))
      const answers = [
        () => new Response('busy', { status: 503 }),
        () => new Response('<html>', { status: 200 }),
        () => Response.json({ issuer: 'https://api.botframework.com' }),
      ]
      for (const answer of answers) {
        const auth = authFor(identity, { fetch: async () => answer() })
        expect(await auth.verify(token, TEAMS)).toEqual({ ok: false, reason: 'metadata_unavailable' })
      }
      const keysDown: typeof fetch = async (input) =>
        String(input).endsWith(KEYS) ? new Response('', { status: 500 }) : fetch(input)
      const auth = authFor(identity, { fetch: keysDown })
      expect(await auth.verify(token, TEAMS)).toEqual({ ok: false, reason: 'metadata_unavailable' })
    } finally {
      await identity.close()
    }
  })
})
