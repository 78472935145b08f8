import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createRequire } from 'node:module'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signSlackRequest } from '../../bots/slack/verify'
import type { LocalConsole } from '../../workers/cli/commands/start'
import { loadConfig } from '../../workers/cli/config'
import { type Context, openContext } from '../../workers/cli/context'
import { main } from '../../workers/cli/main'
import { freePort } from '../../workers/cli/ports'
import { recordQuestion } from '../../workers/conversations/questions'
import { questions } from '../../workers/db/schema'
import appMention from '../fixtures/slack/app_mention.json'
import slashCommand from '../fixtures/slack/slash_command.json'
import { startLocalStack } from '../helpers/local-stack'
import { startSlackApi } from '../helpers/slack-api'

/** Debian's chromium (`.ci/run` installs it when missing). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
/** axe-core, injected into the page for the accessibility check. */
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/**
 * `npm start` for real: the embedded database behind the local endpoint, `wrangler dev` running
 * the Worker (workerd, local Queue), the sample handbook on first start; Slack through a local
 * Web API that records what the Worker sent.
 */
describe('policybot start (npm start)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-start-'))
  const logs: string[] = []
  let ctx: Context
  let url = ''
  let local: LocalConsole | undefined
  let stop: () => Promise<void> = async () => {}
  let slack: Awaited<ReturnType<typeof startSlackApi>>

  beforeAll(async () => {
    slack = await startSlackApi({ token: 'xoxb-local', appToken: 'xapp-local' })
    const env = {
      POLICYBOT_DATA: dir,
      PORT: String(await freePort()),
      SLACK_SIGNING_SECRET: 'local-secret',
      SLACK_BOT_TOKEN: 'xoxb-local',
      SLACK_APP_TOKEN: 'xapp-local',
      SLACK_API_URL: `${slack.url}/api/`,
      SLACK_BOT_USER_ID: 'U0BOT00001',
      // The local stack fires the Worker's cron itself (wrangler dev runs none): every second here.
      POLICYBOT_CRON_SECONDS: '1',
      // The tests ask as one person, faster than a person would (the rate is tested in workerd).
      QUESTIONS_PER_USER_PER_MINUTE: '1000',
    }
    ctx = await openContext(loadConfig(env))
    const stack = await startLocalStack(ctx, env, {
      result: (t) => logs.push(t),
      progress: (t) => logs.push(t),
    })
    url = stack.url
    local = stack.local
    stop = stack.stop
  }, 180_000)

  afterAll(async () => {
    await stop()
    await ctx?.close()
    await slack?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** A script's request to the console: the local token as a bearer. */
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${local?.token}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    })
  const ask = async (question: string) => {
    const res = await api('api/ask', {
      method: 'POST',
      body: JSON.stringify({ question }),
    })
    return (await res.json()) as {
      id: number
      status: string
      mode: string
      answer: string
      citations: { title: string }[]
      approval?: { by: string }
    }
  }

  it('ingests the sample handbook on first start and prints what to do next', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const text = logs.join('\n')
    expect(text).toMatch(/Ingested 35 sample documents/)
    // One address to open: the sign-in link, on a line of its own; the rest is on that page.
    expect(text).toContain(`policybot is running. Open this link`)
    expect(text).toContain(`\n    ${local?.signIn}\n`)
    expect(text).toContain('add documents (Documents) from that page')
    expect(text).toContain('npx policybot ingest')
    expect(text).toContain('Slack: connected over Socket Mode')
    expect(local?.signIn).toMatch(/\/login\?token=[\w-]{32}$/)
    expect(text).toContain(local?.signIn)
  })

  it('refuses a cross-origin page’s forged approval in a signed-in admin’s browser', async () => {
    const asked = (await (
      await api('api/ask', { method: 'POST', body: JSON.stringify({ question: 'What are our core hours?' }) })
    ).json()) as { id: number }
    await api(`api/questions/${asked.id}/escalate`, { method: 'POST' })
    const open = (await (await api('api/escalations')).json()) as { id: number; question: string }[]
    const target = open.find((e) => e.question === 'What are our core hours?')
    expect(target).toBeDefined()
    // The attacker's page: another origin on the same machine (same site, so SameSite cookies go
    // with it), posting the approval the only way a cross-origin page can: no-cors, text/plain.
    const attacker = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end(`<script>
        fetch(${JSON.stringify(`${url}api/escalations/${target?.id}/approve`)}, { method: 'POST', mode: 'no-cors', credentials: 'include',
          headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ answer: 'You get 100 vacation days.' }) })
          .then(() => { document.title = 'sent' }, () => { document.title = 'sent' })
      </script>`)
    })
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r))
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    try {
      const page = await browser.newPage()
      await page.goto(local?.signIn as string)
      await page.locator('#who', { hasText: 'web-admin' }).waitFor()
      await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`)
      await page.waitForFunction('document.title === "sent"')
    } finally {
      await browser.close()
      attacker.close()
    }
    const still = (await (await api('api/escalations')).json()) as { id: number }[]
    expect(still.map((e) => e.id)).toContain(target?.id)
    const reused = await ask('What are our core hours?')
    expect(reused.answer ?? '').not.toContain('100 vacation days')
    // Decide it properly so later tests start with a clean queue.
    await api(`api/escalations/${target?.id}/reject`, { method: 'POST', body: '{}' })
  })

  it('serves the page and answers through the Worker with citations', async () => {
    const shell = await fetch(url)
    expect(shell.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await shell.text()).toContain('<script src="/console.js" defer></script>')
    const script = await fetch(`${url}console.js`)
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await script.text()).toContain('function safeHref')
    const a = await ask('How many days of annual leave do Berlin employees get?')
    expect(a.status).toBe('answered')
    expect(a.answer).toContain('28 days')
    expect(a.citations.map((c) => c.title).join(' | ')).toMatch(/Annual Leave/)
  })

  it('lets the local admin approve an escalation, and reuses the approved answer', async () => {
    const asked = await api('api/ask', {
      method: 'POST',
      body: JSON.stringify({ question: 'How many days of annual leave do Berlin employees get?' }),
    })
    const a = (await asked.json()) as { id: number }
    const esc = await api(`api/questions/${a.id}/escalate`, { method: 'POST' })
    expect(await esc.json()).toEqual({ result: 'escalated' })
    const open = (await (await api('api/escalations')).json()) as { id: number; question: string }[]
    const mine = open.find((e) => e.question.includes('Berlin'))
    expect(mine).toBeDefined()
    const decided = await api(`api/escalations/${mine?.id}/approve`, {
      method: 'POST',
      body: JSON.stringify({ answer: 'Berlin employees get 28 days of annual leave [1].' }),
    })
    expect(await decided.json()).toEqual({ ok: true, status: 'edited' })
    const again = await ask('how many days of annual leave do berlin employees get')
    expect(again.mode).toBe('approved')
    expect(again.answer).toBe('Berlin employees get 28 days of annual leave [1].')
    expect(again.approval?.by).toBe('web-admin')
  })

  const waitForPost = async (threadTs: string) => {
    for (let i = 0; i < 100; i++) {
      const post = slack.calls.find((c) => c.method === 'chat.postMessage' && c.body.thread_ts === threadTs)
      if (post) return post
      await new Promise((r) => setTimeout(r, 100))
    }
    return undefined
  }

  it('answers a mention delivered over Socket Mode, acknowledging the envelope', async () => {
    await slack.socketMode.connected()
    const ts = '1764199999.000002'
    const ack = await slack.socketMode.send({
      envelope_id: 'env-mention',
      type: 'events_api',
      accepts_response_payload: false,
      payload: { ...appMention, event_id: 'EvSocketMode', event: { ...appMention.event, ts } },
    })
    expect(ack).toMatchObject({ envelope_id: 'env-mention' })
    const post = await waitForPost(ts)
    expect(post?.headers.authorization).toBe('Bearer xoxb-local')
    expect(JSON.stringify(post?.body.blocks)).toContain('Annual Leave')
  })

  it('answers /policy over Socket Mode: the ack carries the ephemeral reply', async () => {
    const responseUrl = `${slack.url}/hooks/socket-command`
    const ack = await slack.socketMode.send({
      envelope_id: 'env-command',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: { ...slashCommand, trigger_id: 'socket.trigger', response_url: responseUrl },
    })
    expect(ack.envelope_id).toBe('env-command')
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral' })
    let hook: (typeof slack.calls)[number] | undefined
    for (let i = 0; i < 100 && !hook; i++) {
      await new Promise((r) => setTimeout(r, 100))
      hook = slack.calls.find((c) => c.path === '/hooks/socket-command')
    }
    expect(hook?.body.response_type).toBe('ephemeral')
  })

  /** axe-core's serious and critical violations on the page as it is (the page needs bypassCSP). */
  const axeViolations = async (page: import('playwright-core').Page) => {
    await page.addScriptTag({ path: AXE })
    const result = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
      violations: { id: string; impact: string; nodes: { target: string[] }[] }[]
    }
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  }

  it('works in a browser: ask, see cited answer, ask a human, edit the answer and its sources, approve', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    try {
      const page = await browser.newPage({ locale: 'en-US' })
      // Without the sign-in link the page says how to sign in, and offers nothing.
      await page.goto(url)
      await page.locator('.signin', { hasText: 'sign-in link' }).waitFor()
      await page.goto(local?.signIn as string)
      await page.locator('#who', { hasText: 'web-admin (admin)' }).waitFor()
      // Earlier questions (other tests') are history; this one starts a conversation of its own.
      await page.click('#new-conv')
      await page.fill('#q', 'What are our core hours?')
      await page.click('#ask-btn')
      // Oldest first: the new question is the last turn, its answer rendered with its sources.
      const turn = page.locator('.turn').last()
      await turn.locator('.answer', { hasText: '10:00' }).waitFor()
      expect(await turn.locator('.q').textContent()).toBe('What are our core hours?')
      expect(await turn.locator('.sources li').allTextContents()).toEqual(
        expect.arrayContaining([expect.stringMatching(/Working Hours/)]),
      )
      // Asking a human asks first; Cancel sends nothing.
      await turn.locator('button.ask-human').click()
      await page.locator('#confirm[open]').waitFor()
      await page.click('#confirm-cancel')
      expect(await page.locator('#confirm[open]').count()).toBe(0)
      await turn.locator('button.ask-human').click()
      await page.click('#confirm-send')
      await turn.locator('.muted, .meta', { hasText: 'With the policy team' }).waitFor()

      // The queue: the reason in words, the draft in an editor with a preview, the sources to keep.
      await page.click('nav a[href="#/escalations"]')
      const card = page.locator('.esc', { hasText: 'What are our core hours?' })
      await card.waitFor()
      await card.locator('.reason', { hasText: 'The asker asked for a person.' }).waitFor()
      const sources = card.locator('.pick input[type=checkbox]')
      const offered = await sources.count()
      expect(offered).toBeGreaterThanOrEqual(1)
      // Keep only the first source; the rewritten answer cites it.
      for (let i = 1; i < offered; i++) await sources.nth(i).uncheck()
      await card.locator('textarea.draft').fill('Core hours are **10:00 to 16:00** on weekdays [1].')
      await card.locator('.preview strong', { hasText: '10:00 to 16:00' }).waitFor()
      await card.locator('button.approve', { hasText: 'Approve with my edits' }).click()
      await card.waitFor({ state: 'detached' })

      // Back in Ask (history kept across a reload), the approved answer replaced the wait.
      await page.goto(`${url}#/ask`)
      const decided = page.locator('.turn', { hasText: 'Approved by web-admin' }).last()
      await decided.locator('.answer strong', { hasText: '10:00 to 16:00' }).waitFor()
      expect(await decided.locator('.sources li').count()).toBe(1)
      // A quoted table is shown as a table, its cells as text.
      await page.fill('#q', 'How many days of annual leave do Seattle employees get after 4 years?')
      await page.click('#ask-btn')
      await page.locator('.turn').last().locator('blockquote table td', { hasText: '23 days' }).waitFor()
    } finally {
      await browser.close()
    }
  })

  it('is accessible (axe: no serious violations), keyboard-usable, and speaks Chinese to a Chinese browser', async () => {
    const asked = (await (
      await api('api/ask', { method: 'POST', body: JSON.stringify({ question: 'Is there a gym subsidy?' }) })
    ).json()) as { id: number }
    await api(`api/questions/${asked.id}/escalate`, { method: 'POST' })
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    try {
      for (const viewport of [
        { width: 1280, height: 900 },
        { width: 375, height: 812 },
      ]) {
        // The console's CSP refuses inline scripts, axe's injection included: bypassed for the check only.
        const page = await browser.newPage({ locale: 'en-US', viewport, bypassCSP: true })
        await page.goto(local?.signIn as string)
        await page.locator('.turn').first().waitFor()
        expect(await axeViolations(page)).toEqual([])
        await page.goto(`${url}#/escalations`)
        await page.locator('.esc', { hasText: 'Is there a gym subsidy?' }).waitFor()
        expect(await axeViolations(page)).toEqual([])
        await page.close()
      }
      // Keyboard only: reach the queue, pick the escalation, reject it with a reason.
      const page = await browser.newPage({ locale: 'en-US' })
      await page.goto(local?.signIn as string)
      await page.goto(`${url}#/escalations`)
      const item = page.locator('.queue-item', { hasText: 'Is there a gym subsidy?' })
      await item.waitFor()
      /** Presses Tab until the focused element matches `selector` (at most 40 presses). */
      const tabTo = async (selector: string) => {
        for (let i = 0; i < 40; i++) {
          await page.keyboard.press('Tab')
          if (await page.evaluate(`document.activeElement.matches(${JSON.stringify(selector)})`)) return
        }
        throw new Error(`Tab never reached ${selector}`)
      }
      await tabTo('.queue-item')
      await page.keyboard.press('Enter')
      const card = page.locator('.esc', { hasText: 'Is there a gym subsidy?' })
      await card.waitFor()
      // The reason field is hidden until Reject is pressed.
      expect(await card.locator('.reject-reason').isVisible()).toBe(false)
      await tabTo('button.reject')
      await page.keyboard.press('Enter')
      await page.keyboard.type('Not a policy question: ask the office manager.')
      await page.keyboard.press('Tab')
      await page.keyboard.press('Enter')
      await card.waitFor({ state: 'detached' })
      await page.close()
      // A Chinese browser gets the Chinese interface.
      const zh = await browser.newPage({ locale: 'zh-CN' })
      await zh.goto(local?.signIn as string)
      await zh.locator('nav a', { hasText: '待处理问题' }).waitFor()
      expect(await zh.locator('#ask-btn').textContent()).toBe('提问')
      expect(await zh.evaluate('document.documentElement.lang')).toBe('zh-CN')
    } finally {
      await browser.close()
    }
  })

  it('uploads handbooks in the browser (one good, one corrupt) and answers from the new one; manages approved answers', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    try {
      const page = await browser.newPage({ locale: 'en-US', bypassCSP: true })
      page.on('dialog', (d) => d.accept())
      await page.goto(local?.signIn as string)
      await page.click('nav a[href="#/documents"]')
      await page.locator('#sources', { hasText: 'No wiki sources yet' }).waitFor()
      await page.setInputFiles('#files', [
        {
          name: 'parental-leave.md',
          mimeType: 'text/markdown',
          buffer: Buffer.from(
            '# Parental leave\n\nNew parents get 18 weeks of paid parental leave at full salary.\n',
          ),
        },
        {
          name: 'broken.pdf',
          mimeType: 'application/pdf',
          buffer: Buffer.from('%PDF-1.7 this is not a PDF'),
        },
      ])
      await page.locator('.upload-results li.ok', { hasText: 'added: Parental leave' }).waitFor()
      await page.locator('.upload-results li.error', { hasText: 'broken.pdf' }).waitFor()
      const row = page.locator('#documents tr', { hasText: 'upload: parental-leave.md' })
      await row.waitFor()
      expect(await row.locator('td').nth(4).textContent()).toBe('everyone')
      expect(await axeViolations(page)).toEqual([])

      await page.click('nav a[href="#/ask"]')
      await page.click('#new-conv')
      await page.fill('#q', 'How many weeks of parental leave do new parents get?')
      await page.click('#ask-btn')
      await page.locator('.turn').last().locator('.answer', { hasText: '18 weeks' }).waitFor()

      // Approved answers: the Berlin answer approved earlier, reused once since; withdraw it.
      await page.click('nav a[href="#/approved"]')
      const card = page.locator('.approved', { hasText: 'Berlin employees get 28 days' })
      await card.locator('.reuse', { hasText: 'Reused 1 times' }).waitFor()
      expect(await axeViolations(page)).toEqual([])
      await card.locator('button.withdraw').click()
      await card.locator('input[type=text]').fill('Berlin moved to the company-wide policy.')
      await card.locator('button.withdraw-confirm').click()
      await card.waitFor({ state: 'detached' })
      const again = await ask('how many days of annual leave do berlin employees get')
      expect(again.mode).not.toBe('approved')

      // Analytics: the figures, the charts with their data, the content gaps and the definitions.
      await page.click('nav a[href="#/analytics"]')
      await page.locator('.kpi', { hasText: 'Questions' }).waitFor()
      await page.locator('figure svg.chart').first().waitFor()
      await page.locator('table.gaps td', { hasText: 'Is there a gym subsidy?' }).waitFor()
      await page.locator('.definitions li', { hasText: 'Content gaps:' }).waitFor()
      expect(await axeViolations(page)).toEqual([])

      // Adapters: without a runner (the local stack has none), the page says so.
      await page.click('nav a[href="#/adapters"]')
      await page.locator('#adapters', { hasText: 'No GPU runner is configured' }).waitFor()
      expect(await axeViolations(page)).toEqual([])

      // The admin pages at phone width: no serious accessibility violations either.
      await page.setViewportSize({ width: 375, height: 812 })
      for (const [view, ready] of [
        ['documents', '#documents table'],
        ['approved', '#approved'],
        ['analytics', 'figure svg'],
        ['adapters', '#adapters p'],
      ] as const) {
        await page.click(`nav a[href="#/${view}"]`)
        await page.locator(ready).first().waitFor()
        expect(await axeViolations(page), view).toEqual([])
      }
      await page.setViewportSize({ width: 1280, height: 900 })

      // Deleting the upload takes it out of answers.
      await page.click('nav a[href="#/documents"]')
      await row.locator('button.delete-doc').click()
      await row.waitFor({ state: 'detached' })
    } finally {
      await browser.close()
    }
  })

  it('answers a Slack event through the local queue', async () => {
    const body = JSON.stringify({
      ...appMention,
      event_id: 'EvLocalStack',
      event: { ...appMention.event, ts: '1764199999.000001' },
    })
    const now = Math.floor(Date.now() / 1000)
    const res = await fetch(`${url}slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': String(now),
        'x-slack-signature': await signSlackRequest('local-secret', now, body),
      },
      body,
    })
    expect(await res.json()).toEqual({ ok: true, accepted: true })
    let post: (typeof slack.calls)[number] | undefined
    for (let i = 0; i < 100 && !post; i++) {
      await new Promise((r) => setTimeout(r, 100))
      post = slack.calls.find(
        (c) => c.method === 'chat.postMessage' && c.body.thread_ts === '1764199999.000001',
      )
    }
    expect(post?.headers.authorization).toBe('Bearer xoxb-local')
    expect(JSON.stringify(post?.body.blocks)).toContain('Annual Leave')
  })
  it("fires the Worker's cron: a question whose job was lost is swept and answered", async () => {
    const ts = '1764199998.000001'
    const id = await recordQuestion(ctx.database.db, `slack:T0POLICY01:C0LOCAL01:${ts}`, {
      place: { platform: 'slack', team: 'T0POLICY01', channel: 'C0LOCAL01', threadTs: ts },
      messageTs: ts,
      asker: 'U0ASKER001',
      text: 'How many days of annual leave do I get?',
      trigger: 'mention',
    })
    expect(id).toBeDefined()
    // Accepted 20 minutes ago and never tried: its job died with a Worker.
    await ctx.database.db
      .update(questions)
      .set({ createdAt: new Date(Date.now() - 20 * 60_000) })
      .where(eq(questions.id, id as number))
    let post: (typeof slack.calls)[number] | undefined
    for (let i = 0; i < 150 && !post; i++) {
      await new Promise((r) => setTimeout(r, 100))
      post = slack.calls.find((c) => c.method === 'chat.postMessage' && c.body.thread_ts === ts)
    }
    expect(JSON.stringify(post?.body.blocks)).toContain('Annual Leave')
  })
})

describe('policybot start, refusing to start', () => {
  it('exits non-zero with a clear message when the port is taken', async () => {
    const blocker = createServer()
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    )
    const dir = mkdtempSync(join(tmpdir(), 'policybot-start-'))
    const lines: string[] = []
    const out = { result: (t: string) => lines.push(t), progress: (t: string) => lines.push(t) }
    try {
      const code = await main(['start'], { POLICYBOT_DATA: dir, PORT: String(port) }, out)
      expect(code).not.toBe(0)
      expect(lines.join('\n')).toContain(`Port ${port} on 127.0.0.1 is already in use`)
    } finally {
      blocker.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('exits non-zero with a clear message when the data directory is held by another process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'policybot-start-'))
    const holder = spawn('sleep', ['60'])
    writeFileSync(join(dir, 'lock'), String(holder.pid))
    const lines: string[] = []
    try {
      const code = await main(
        ['start'],
        { POLICYBOT_DATA: dir, PORT: String(await freePort()) },
        {
          result: (t) => lines.push(t),
          progress: (t) => lines.push(t),
        },
      )
      expect(code).not.toBe(0)
      expect(lines.join('\n')).toContain(`The data directory ${dir} is in use by process ${holder.pid}`)
    } finally {
      holder.kill()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
