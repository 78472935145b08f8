import { type Context, Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { DingTalkApiError } from '../../bots/dingtalk/api'
import { messagePage, reviewPage } from '../../bots/dingtalk/console-page'
import { constantTimeEqual } from '../../bots/hmac'
import { personLabel } from '../../bots/reply'
import { seal, unseal } from '../../bots/signed'
import { actorOf } from '../audit/log'
import { type WorkerConfig, workerConfig } from '../config'
import type { Env } from '../env'
import { logError } from '../errors'
import { decideEscalation, decisionOf, escalationView } from '../escalation/escalations'
import { isPolicyAdmin } from '../pipeline/admins'
import { withServices } from '../services'

/**
 * The approval page behind the DingTalk escalation card's buttons (`/dingtalk/escalations/<id>`).
 * Robot cards carry only links, and a link in a group chat can be opened (or forwarded) by anyone,
 * so the page knows nobody until they sign in with DingTalk: OAuth (`login.dingtalk.com`, which
 * inside the DingTalk client is one tap), the `authCode` turned into the person's staff id, then a
 * signed session cookie. Only policy admins see the form; the page itself never changes anything
 * (link previews fetch it). The decision is a POST carrying a token bound to the admin and the
 * escalation; one conditional update decides, so of two admins the second is told who won.
 * Tokens and cookies are signed with a key derived from the app secret.
 */
export const dingtalkConsole = new Hono<{ Bindings: Env }>()

// Pages with drafts and sign-in redirects are never kept by browsers or proxies.
dingtalkConsole.use('*', async (c, next) => {
  await next()
  c.header('cache-control', 'no-store')
})

type DingTalkConfig = NonNullable<WorkerConfig['dingtalk']>
type Console = DingTalkConfig & { admin: NonNullable<DingTalkConfig['admin']> }
type Session = { user: string; nick: string }

const SESSION_COOKIE = 'pb_dt_session'
const LOGIN_COOKIE = 'pb_dt_login'
const SESSION_MS = 8 * 3600_000
const LOGIN_MS = 10 * 60_000
const FORM_MS = 2 * 3600_000
/**
 * The page's cookies: `Secure` when the page is served over https (PUBLIC_URL), not over plain
 * http, where a browser would drop a Secure cookie and sign-in would loop on "link expired".
 */
const cookie = (maxAgeMs: number, cfg: Console) =>
  ({
    path: '/dingtalk',
    httpOnly: true,
    secure: cfg.admin.consoleUrl.startsWith('https:'),
    sameSite: 'Lax',
    maxAge: maxAgeMs / 1000,
  }) as const

/** Where a sign-in may return to: an approval page, nothing else (no open redirect). */
const BACK = /^\/dingtalk\/escalations\/\d+(\?action=(approve|edit|reject))?$/

function consoleOf(c: Context<{ Bindings: Env }>): Console | undefined {
  const d = workerConfig(c.env).dingtalk
  return d?.admin ? (d as Console) : undefined
}

const page = (c: Context, status: 200 | 400 | 401 | 403 | 404 | 409, title: string, message: string) =>
  c.html(messagePage('zh', title, message), status)

const notConfigured = (c: Context) =>
  page(c, 404, 'Not configured', 'DingTalk approvals are off (DINGTALK_ADMIN_CONVERSATION, PUBLIC_URL).')

/** Who is signed in, or nobody. */
const sessionOf = (c: Context, cfg: Console) =>
  unseal<Session>(cfg.appSecret, 'dingtalk-session', getCookie(c, SESSION_COOKIE))

/** The person as decisions record them: name and staff id. */
const byOf = (s: Session) => personLabel(s.user, s.nick)

dingtalkConsole.get('/escalations/:id{[0-9]+}', async (c) => {
  const cfg = consoleOf(c)
  if (!cfg) return notConfigured(c)
  const id = Number(c.req.param('id'))
  const session = await sessionOf(c, cfg)
  if (!session) return startLogin(c, cfg)
  return withServices(c.env, c.executionCtx, async (svc) => {
    if (!(await isPolicyAdmin(svc, { platform: 'dingtalk', user: session.user }))) {
      return page(
        c,
        403,
        '无权限 / Not allowed',
        `只有政策管理员可以审核答案。Only policy admins can review answers (you are ${byOf(session)}).`,
      )
    }
    const view = await escalationView(svc.db, id)
    if (!view) return page(c, 404, 'Not found', `没有编号为 ${id} 的审核。No escalation ${id}.`)
    const token = await seal(cfg.appSecret, 'dingtalk-form', { user: session.user, id }, FORM_MS)
    return c.html(
      reviewPage(view, {
        admin: byOf(session),
        token,
        action: c.req.query('action'),
        postTo: `/dingtalk/escalations/${id}`,
      }),
    )
  })
})

/** Sends the browser to DingTalk's sign-in, with a state bound to this browser by a cookie. */
async function startLogin(c: Context<{ Bindings: Env }>, cfg: Console) {
  const back = new URL(c.req.url)
  const nonce = crypto.randomUUID()
  const state = await seal(
    cfg.appSecret,
    'dingtalk-login',
    { nonce, back: back.pathname + back.search },
    LOGIN_MS,
  )
  setCookie(c, LOGIN_COOKIE, nonce, cookie(LOGIN_MS, cfg))
  const to = new URL('/oauth2/auth', cfg.loginUrl)
  to.search = new URLSearchParams({
    redirect_uri: `${cfg.admin.consoleUrl}/dingtalk/login`,
    response_type: 'code',
    client_id: cfg.appKey,
    scope: 'openid',
    state,
    prompt: 'consent',
  }).toString()
  return c.redirect(to.toString(), 302)
}

dingtalkConsole.get('/login', async (c) => {
  const cfg = consoleOf(c)
  if (!cfg) return notConfigured(c)
  if (c.req.query('error')) {
    return page(
      c,
      403,
      '登录已取消 / Sign-in cancelled',
      '钉钉登录未完成。DingTalk sign-in was not completed; open the card again.',
    )
  }
  const state = await unseal<{ nonce: string; back: string }>(
    cfg.appSecret,
    'dingtalk-login',
    c.req.query('state'),
  )
  const nonce = getCookie(c, LOGIN_COOKIE) ?? ''
  const authCode = c.req.query('authCode')
  if (!state || !nonce || !constantTimeEqual(state.nonce, nonce) || !BACK.test(state.back) || !authCode) {
    return page(
      c,
      400,
      '登录链接已失效 / Sign-in link expired',
      '请从钉钉中的卡片重新打开。The sign-in expired or was opened in another browser: open the card in DingTalk again.',
    )
  }
  return withServices(c.env, c.executionCtx, async (svc) => {
    if (!svc.dingtalk) return notConfigured(c)
    let who: { userId: string; nick: string }
    try {
      who = await svc.dingtalk.userByAuthCode(authCode)
    } catch (e) {
      if (!(e instanceof DingTalkApiError)) throw e
      // DingTalk's own reply (an OAuth error, a code) goes to the log, not to the page.
      logError('DingTalk sign-in was refused', e)
      return page(
        c,
        403,
        '无法确认身份 / Not signed in',
        '钉钉未能确认您的身份（可能不是本组织成员，或登录已过期）。DingTalk did not confirm who you are: you may not be a member of this organisation, or the sign-in expired. Open the card in DingTalk again.',
      )
    }
    const session: Session = { user: who.userId, nick: who.nick }
    setCookie(
      c,
      SESSION_COOKIE,
      await seal(cfg.appSecret, 'dingtalk-session', session, SESSION_MS),
      cookie(SESSION_MS, cfg),
    )
    deleteCookie(c, LOGIN_COOKIE, { path: '/dingtalk' })
    return c.redirect(state.back, 302)
  })
})

dingtalkConsole.post('/escalations/:id{[0-9]+}', async (c) => {
  const cfg = consoleOf(c)
  if (!cfg) return notConfigured(c)
  const id = Number(c.req.param('id'))
  const session = await sessionOf(c, cfg)
  if (!session) {
    return page(
      c,
      401,
      '登录已过期 / Signed out',
      '请从钉钉中的卡片重新打开。Your sign-in expired: open the card in DingTalk again.',
    )
  }
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)
  const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined)
  const action = field('action')
  if (action !== 'approve' && action !== 'reject') {
    return page(c, 400, 'Bad request', 'The form must say action=approve or action=reject.')
  }
  const token = await unseal<{ user: string; id: number }>(cfg.appSecret, 'dingtalk-form', field('token'))
  if (token?.user !== session.user || token.id !== id) {
    return page(
      c,
      403,
      '表单已失效 / Form expired',
      '请刷新页面后重试。This form has expired or is not yours: reload the page and try again.',
    )
  }
  if ((field('answer')?.length ?? 0) > 3000 || (field('reason')?.length ?? 0) > 1000) {
    return page(c, 400, 'Too long', 'The answer is limited to 3,000 characters and the reason to 1,000.')
  }
  return withServices(c.env, c.executionCtx, async (svc) => {
    if (!(await isPolicyAdmin(svc, { platform: 'dingtalk', user: session.user }))) {
      return page(
        c,
        403,
        '无权限 / Not allowed',
        '只有政策管理员可以审核答案。Only policy admins can review answers.',
      )
    }
    const view = await escalationView(svc.db, id)
    if (!view) return page(c, 404, 'Not found', `No escalation ${id}.`)
    const decision = decisionOf(view.draft, byOf(session), action, {
      answer: field('answer'),
      reason: field('reason'),
    })
    if (decision === 'needs_answer') {
      return page(
        c,
        400,
        '需要答案 / Answer needed',
        '没有草稿：请先填写答案再批准。There is no draft: write the answer before approving.',
      )
    }
    const { won, row } = await decideEscalation(
      svc.db,
      id,
      decision,
      actorOf({ platform: 'dingtalk', user: session.user }),
    )
    if (!won) {
      return page(
        c,
        409,
        '已处理 / Already decided',
        `此问题已由 ${row?.decidedBy ?? '?'} 处理（${row?.status}）。Already ${row?.status} by ${row?.decidedBy}.`,
      )
    }
    await svc.env.JOBS.send({ type: 'deliver', escalationId: id })
    return decision.status === 'rejected'
      ? page(c, 200, '已驳回 / Rejected', '已通知提问人。The asker will be told.')
      : page(c, 200, '已批准 / Approved', '答案正在发送给提问人。The answer is on its way to the asker.')
  })
})
