import { createSign, generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Env } from '../../workers/env'
import { app } from '../../workers/index'
import { startTestServer } from '../helpers/http-server'

/**
 * The web console's gate (workers/web/auth.ts) on the Worker's own Hono app: who gets in, locally
 * and behind Cloudflare Access (a local stand-in serves the team's signing keys), and which
 * changes are refused as cross-site. Every refusal here happens before the database is touched.
 */
const TOKEN = 'local-console-token-0123456789abcdef'
const base = {
  DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
  WEB_CONSOLE: 'on',
  POLICY_ADMINS: 'U0ADMIN001,Alice@Example.com',
  HANDBOOK_UPLOADERS: 'hr@example.com',
} as const
const local = { ...base, CONSOLE_AUTH: 'local', CONSOLE_LOCAL_TOKEN: TOKEN } as unknown as Env

const req = (path: string, init: RequestInit & { host?: string } = {}, env: Env = local) => {
  const url = `http://${init.host ?? '127.0.0.1:8787'}${path}`
  return app.request(url, init, env)
}
type Body = { user?: string; role?: string; csrf: string; error: { message: string; code: string } }
const json = async (res: Response) => (await res.json()) as Body

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const res = await req(`/login?token=${TOKEN}`)
  expect(res.status).toBe(303)
  const set = res.headers.get('set-cookie') ?? ''
  expect(set).toMatch(/HttpOnly/)
  expect(set).toMatch(/SameSite=Strict/)
  const cookie = set.split(';')[0] as string
  const session = await json(await req('/api/session', { headers: { cookie } }))
  expect(session).toMatchObject({ user: 'web-admin', role: 'admin' })
  return { cookie, csrf: session.csrf }
}

describe('the console, local (npm start)', () => {
  it('is not there when WEB_CONSOLE is off, and will not start on without a sign-in', async () => {
    const off = { ...base, WEB_CONSOLE: 'off' } as unknown as Env
    expect((await req('/api/session', {}, off)).status).toBe(404)
    const noAuth = { ...base } as unknown as Env
    const res = await req('/api/session', {}, noAuth)
    expect(res.status).toBe(500)
    expect((await json(res)).error.message).toMatch(/CONSOLE_AUTH: is needed with WEB_CONSOLE=on/)
  })

  it('lets nobody in without the sign-in link, and the link only with the right token', async () => {
    expect((await req('/api/session')).status).toBe(401)
    expect((await req('/api/escalations')).status).toBe(401)
    expect((await req('/login?token=wrong')).status).toBe(401)
    expect(
      (await req('/api/session', { headers: { cookie: 'policybot_console=forged.value' } })).status,
    ).toBe(401)
    const { cookie } = await signIn()
    expect((await req('/api/session', { headers: { cookie } })).status).toBe(200)
  })

  it('answers only at a loopback host (a rebound DNS name reaches nothing)', async () => {
    const { cookie } = await signIn()
    const res = await req('/api/session', { host: 'attacker.example:8787', headers: { cookie } })
    expect(res.status).toBe(403)
    expect((await json(res)).error.code).toBe('WRONG_HOST')
    expect((await req('/', { host: 'attacker.example' })).status).toBe(403)
    expect((await req('/api/session', { host: 'localhost:8787', headers: { cookie } })).status).toBe(200)
  })

  it('refuses a change without its origin and CSRF token, and lets the page’s own through', async () => {
    const { cookie, csrf } = await signIn()
    const post = (headers: Record<string, string>) =>
      req('/api/ask', {
        method: 'POST',
        headers: { cookie, 'content-type': 'text/plain', ...headers },
        body: 'x',
      })
    // The attack from the report: a cross-origin page's no-cors POST (no custom headers possible).
    const crossSite = await post({ origin: 'http://127.0.0.1:9999' })
    expect(crossSite.status).toBe(403)
    expect((await json(crossSite)).error.code).toBe('CSRF')
    expect(
      (await post({ origin: 'http://127.0.0.1:8787', 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrf }))
        .status,
    ).toBe(403)
    expect((await post({ 'x-csrf-token': csrf })).status).toBe(403) // no Origin
    expect((await post({ origin: 'http://127.0.0.1:8787' })).status).toBe(403) // no token
    expect((await post({ origin: 'http://127.0.0.1:8787', 'x-csrf-token': `${csrf}x` })).status).toBe(403)
    // Past the gate, the route itself judges the body.
    const ok = await post({ origin: 'http://127.0.0.1:8787', 'x-csrf-token': csrf })
    expect(ok.status).toBe(400)
    expect((await json(ok)).error.message).toMatch(/question|JSON/)
  })

  it('takes the token as a bearer from scripts, which needs no CSRF token', async () => {
    const res = await req('/api/ask', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(res.status).toBe(400)
    const wrong = await req('/api/session', { headers: { authorization: 'Bearer nope' } })
    expect(wrong.status).toBe(401)
  })

  it('cannot be framed by another page', async () => {
    const res = await req('/')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  })
})

describe('the console behind Cloudflare Access', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'access-key-1', alg: 'RS256', use: 'sig' }
  let certs: Awaited<ReturnType<typeof startTestServer>>
  let env: Env
  const AUD = 'aud-tag-0123'

  const b64 = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url')
  function token(claims: Record<string, unknown>, kid = 'access-key-1', key = privateKey) {
    const head = `${b64({ alg: 'RS256', kid, typ: 'JWT' })}.${b64(claims)}`
    return `${head}.${createSign('RSA-SHA256').update(head).sign(key).toString('base64url')}`
  }
  const now = () => Math.floor(Date.now() / 1000)
  const claims = (over: Record<string, unknown> = {}) => ({
    iss: certs.url,
    aud: [AUD],
    email: 'viewer@example.com',
    exp: now() + 600,
    iat: now(),
    nbf: now(),
    type: 'app',
    ...over,
  })
  const asUser = (t: string, path = '/api/session', init: RequestInit = {}) =>
    req(
      path,
      { host: 'policy.example.com', ...init, headers: { 'cf-access-jwt-assertion': t, ...init.headers } },
      env,
    )

  beforeAll(async () => {
    certs = await startTestServer((r) =>
      r.path === '/cdn-cgi/access/certs' ? { json: { keys: [jwk] } } : { status: 404, json: {} },
    )
    env = {
      ...base,
      CONSOLE_AUTH: 'access',
      ACCESS_TEAM_DOMAIN: certs.url,
      ACCESS_AUD: AUD,
      CONSOLE_SECRET: 'console-secret-0123456789abcdef0123',
      CONSOLE_VIEWERS: '*@example.com',
      PUBLIC_URL: 'https://policy.example.com',
    } as unknown as Env
  })
  afterAll(async () => {
    await certs?.close()
  })

  it('gives each person the role the admin lists give them', async () => {
    expect(await json(await asUser(token(claims())))).toMatchObject({
      user: 'viewer@example.com',
      role: 'viewer',
    })
    expect(await json(await asUser(token(claims({ email: 'alice@example.com' }))))).toMatchObject({
      role: 'admin',
    })
    expect(await json(await asUser(token(claims({ email: 'HR@example.com' }))))).toMatchObject({
      role: 'uploader',
    })
    const outsider = await asUser(token(claims({ email: 'mallory@other.example' })))
    expect(outsider.status).toBe(403)
    // A viewer may not see or decide escalations.
    expect((await asUser(token(claims()), '/api/escalations')).status).toBe(403)
    expect((await asUser(token(claims()), '/api/escalations/1/sources/1')).status).toBe(403)
    const { csrf: viewerCsrf } = await json(await asUser(token(claims())))
    const viewerApproves = await asUser(token(claims()), '/api/escalations/1/approve', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: 'https://policy.example.com',
        'x-csrf-token': viewerCsrf,
      },
      body: '{"sources":[1]}',
    })
    expect(viewerApproves.status).toBe(403)
    expect((await json(viewerApproves)).error.message).toContain('needs the admin role')
    // Nor read the audit log, and neither may an uploader.
    expect((await asUser(token(claims()), '/api/audit')).status).toBe(403)
    expect((await asUser(token(claims({ email: 'hr@example.com' })), '/api/audit')).status).toBe(403)
    // The keys were fetched once and kept.
    expect(certs.requests.filter((r) => r.path === '/cdn-cgi/access/certs')).toHaveLength(1)
  })

  it('refuses what Access did not sign for this application', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    const cases: [string, string][] = [
      ['', 'missing_token'],
      ['not.a.jwt', 'malformed_token'],
      [token(claims(), 'access-key-1', other), 'bad_signature'],
      [token(claims({ aud: ['another-app'] })), 'wrong_audience'],
      [token(claims({ iss: 'https://evil.cloudflareaccess.com' })), 'wrong_issuer'],
      [token(claims({ exp: now() - 3600 })), 'expired'],
      [token(claims({ email: undefined, common_name: 'svc.access' })), 'no_identity'],
    ]
    for (const [t, reason] of cases) {
      const res = await asUser(t)
      expect(res.status, reason).toBe(401)
      expect((await json(res)).error.message).toContain(reason)
    }
    // Made-up key ids do not make the Worker hammer Cloudflare.
    for (let i = 0; i < 5; i++) expect((await asUser(token(claims(), `kid-${i}`))).status).toBe(401)
    expect(certs.requests.filter((r) => r.path === '/cdn-cgi/access/certs').length).toBeLessThanOrEqual(2)
  })

  it('answers only at PUBLIC_URL’s host, and takes changes only from its origin with the CSRF token', async () => {
    const admin = token(claims({ email: 'alice@example.com' }))
    expect(
      (
        await req(
          '/api/session',
          { host: 'policybot.workers.dev', headers: { 'cf-access-jwt-assertion': admin } },
          env,
        )
      ).status,
    ).toBe(403)
    const { csrf } = await json(await asUser(admin))
    const post = (headers: Record<string, string>) =>
      asUser(admin, '/api/ask', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      })
    expect((await post({ origin: 'https://evil.example', 'x-csrf-token': csrf })).status).toBe(403)
    expect((await post({ origin: 'https://policy.example.com' })).status).toBe(403)
    // A viewer's token is not an admin's.
    const { csrf: viewerCsrf } = await json(await asUser(token(claims())))
    expect(viewerCsrf).not.toBe(csrf)
    expect((await post({ origin: 'https://policy.example.com', 'x-csrf-token': viewerCsrf })).status).toBe(
      403,
    )
    expect((await post({ origin: 'https://policy.example.com', 'x-csrf-token': csrf })).status).toBe(400)
  })
})
