import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { constantTimeEqual, hmacSha256, toBase64 } from '../../bots/hmac'
import { seal, unseal } from '../../bots/signed'
import { type ConsoleConfig, type WorkerConfig, workerConfig } from '../config'
import type { Env } from '../env'
import { problem } from '../http'
import { listed } from '../pipeline/admins'
import { verifyAccess } from './access'

/**
 * Who may use the web console, and the checks every request to it passes:
 * - the `Host` is the console's own (a loopback name locally, PUBLIC_URL's host behind Access), so a
 *   rebound DNS name pointing at the Worker reaches nothing;
 * - `/api/*` needs a signed-in user: locally the one local admin (a session cookie from the sign-in
 *   link `npm start` prints, or `Authorization: Bearer CONSOLE_LOCAL_TOKEN` for scripts), behind
 *   Cloudflare Access the person its assertion names, with a role from the admin lists;
 * - a change (any method but GET and HEAD) made with ambient credentials (cookie, Access) must come
 *   from the console's own origin and carry the CSRF token `GET /api/session` hands out.
 */
export type Role = 'viewer' | 'uploader' | 'admin'
export interface ConsoleUser {
  /** What decisions and questions are recorded under: the local admin's name, or an email. */
  id: string
  role: Role
  /** How the request proved it: ambient credentials need the CSRF token on changes, a bearer does not. */
  via: 'session' | 'bearer' | 'access'
}
type Vars = { user: ConsoleUser; console: ConsoleConfig }
export type ConsoleEnv = { Bindings: Env; Variables: Vars }

export const SESSION_COOKIE = 'policybot_console'
const SESSION_MS = 12 * 3600_000
const RANK: Record<Role, number> = { viewer: 0, uploader: 1, admin: 2 }
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

const refuse = (c: Context, status: 401 | 403 | 404, message: string, code: string) =>
  c.json(problem(message, code, status === 401 ? 'authentication_error' : 'permission_error'), status)

/** The console's role for a person behind Access: admins and uploaders by the lists that already say so. */
export function roleOf(email: string, config: WorkerConfig, viewers: readonly string[]): Role | undefined {
  const who = { platform: 'web', user: email }
  if (listed(config.admins.users, who)) return 'admin'
  if (listed(config.uploaders, who)) return 'uploader'
  const viewer = viewers.some((v) => {
    const p = v.toLowerCase()
    return p === email || (p.startsWith('*@') && email.endsWith(p.slice(1)))
  })
  return viewer ? 'viewer' : undefined
}

const b64url = (bytes: Uint8Array) =>
  toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
const keyOf = (cfg: ConsoleConfig) => (cfg.auth === 'local' ? cfg.token : cfg.secret)

/** The CSRF token of one user: a MAC of their id, so it needs no storage and dies with the key. */
export async function csrfToken(cfg: ConsoleConfig, user: ConsoleUser): Promise<string> {
  return b64url(await hmacSha256(`policybot:console-csrf:${keyOf(cfg)}`, user.id))
}

function hostOf(c: Context): string {
  return (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase()
}

function originOk(c: Context, cfg: ConsoleConfig): boolean {
  if (c.req.header('sec-fetch-site') === 'cross-site') return false
  const origin = c.req.header('origin')
  if (!origin) return false
  if (cfg.auth === 'access') return origin === cfg.origin
  const u = URL.canParse(origin) ? new URL(origin) : undefined
  return !!u && u.host.toLowerCase() === hostOf(c) && (u.protocol === 'http:' || u.protocol === 'https:')
}

async function userOf(c: Context<ConsoleEnv>, cfg: ConsoleConfig): Promise<ConsoleUser | Response> {
  if (cfg.auth === 'local') {
    const bearer = /^Bearer +(\S+) *$/i.exec(c.req.header('authorization') ?? '')?.[1]
    if (bearer !== undefined) {
      return constantTimeEqual(bearer, cfg.token)
        ? { id: cfg.admin, role: 'admin', via: 'bearer' }
        : refuse(c, 401, 'The bearer token is not this console’s.', 'UNAUTHORIZED')
    }
    const session = await unseal<{ user: string }>(cfg.token, 'console-session', getCookie(c, SESSION_COOKIE))
    if (session?.user === cfg.admin) return { id: cfg.admin, role: 'admin', via: 'session' }
    return refuse(
      c,
      401,
      'Not signed in: open the sign-in link `npm start` printed (it changes with every start).',
      'UNAUTHORIZED',
    )
  }
  const v = await verifyAccess(c.req.header('cf-access-jwt-assertion'), cfg)
  if (!v.ok) {
    if (v.reason === 'metadata_unavailable')
      return c.json(
        problem('Cloudflare Access keys are unreachable; try again.', 'UNAVAILABLE', 'server_error'),
        503,
      )
    return refuse(c, 401, `Cloudflare Access did not vouch for this request (${v.reason}).`, 'UNAUTHORIZED')
  }
  const role = roleOf(v.email, workerConfig(c.env), cfg.viewers)
  if (!role)
    return refuse(c, 403, `${v.email} may not use this console (ask a policy admin to add you).`, 'FORBIDDEN')
  return { id: v.email, role, via: 'access' }
}

/**
 * The console's gate, in front of all its routes: off → 404; another Host → 403; pages and
 * sign-in pass; `/api/*` gets its user, and a change its origin and CSRF check.
 */
export function consoleGate(): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    // Mounted at the root, this sees every path no other route took: only the console's are judged.
    const path = c.req.path
    if (path !== '/' && path !== '/login' && path !== '/console.js' && !path.startsWith('/api/'))
      return next()
    const cfg = workerConfig(c.env).console
    if (!cfg) return c.notFound()
    c.set('console', cfg)
    // Nothing of the console may be framed by another page (clickjacking an Approve button).
    c.header('x-frame-options', 'DENY')
    c.header('content-security-policy', "frame-ancestors 'none'")
    const host = hostOf(c)
    const hostOk =
      cfg.auth === 'local'
        ? LOOPBACK.has(host.replace(/:\d+$/, ''))
        : host === new URL(cfg.origin).host.toLowerCase()
    if (!hostOk) return refuse(c, 403, `This console does not answer at ${host}.`, 'WRONG_HOST')
    if (!path.startsWith('/api/')) return next()
    const user = await userOf(c, cfg)
    if (user instanceof Response) return user
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && user.via !== 'bearer') {
      if (!originOk(c, cfg))
        return refuse(c, 403, 'Changes are accepted only from the console’s own page.', 'CSRF')
      const token = c.req.header('x-csrf-token') ?? ''
      if (!constantTimeEqual(token, await csrfToken(cfg, user)))
        return refuse(c, 403, 'Missing or wrong CSRF token: reload the page.', 'CSRF')
    }
    c.set('user', user)
    return next()
  }
}

/** Refuses users below `role` with 403. */
export const requireRole =
  (role: Role): MiddlewareHandler<ConsoleEnv> =>
  async (c, next) => {
    const user = c.get('user')
    if (RANK[user.role] < RANK[role])
      return refuse(c, 403, `This needs the ${role} role; ${user.id} is a ${user.role}.`, 'FORBIDDEN')
    return next()
  }

/** `GET /login?token=…`: the local admin's sign-in link, which trades the token for a session cookie. */
export async function localLogin(c: Context<ConsoleEnv>): Promise<Response> {
  const cfg = c.get('console')
  c.header('referrer-policy', 'no-referrer')
  c.header('cache-control', 'no-store')
  if (cfg.auth !== 'local') return c.notFound()
  const token = c.req.query('token') ?? ''
  if (!constantTimeEqual(token, cfg.token))
    return c.text('This sign-in link is not valid: use the one `npm start` printed last.', 401)
  setCookie(c, SESSION_COOKIE, await seal(cfg.token, 'console-session', { user: cfg.admin }, SESSION_MS), {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: new URL(c.req.url).protocol === 'https:',
    maxAge: SESSION_MS / 1000,
  })
  return c.redirect('/', 303)
}
