import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { asc, eq } from 'drizzle-orm'
import { chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runner } from '../../gpu-runner/runner'
import { main } from '../../workers/cli/main'
import { migrateNeon } from '../../workers/db/migrate-neon'
import { openNeon } from '../../workers/db/neon'
import { auditLog, questions } from '../../workers/db/schema'
import { bucket } from '../../workers/departments/rollout'
import type { Env } from '../../workers/env'
import { app } from '../../workers/index'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { forgetRunnerStates } from '../../workers/runners/fleet'
import { smallHandbookFiles } from '../helpers/corpus'
import { ingestFiles, startPgliteEndpoint } from '../helpers/db'
import { removeModels, startTestRunner, TEST_KEY, tinyModels } from '../helpers/runner'
import { chatRequestsServed } from '../helpers/runner-counts'
import { serveApp } from '../helpers/serve-app'
import type { TinyModels } from '../helpers/tiny-gguf'

/**
 * Grey release per department, end to end: the Worker (its Hono app, in Node) on the production
 * database driver, two real runners (`hr` loaded on one, `it` on the other), the console's API
 * and the CLI. A canary answers its stated share of a department's questions, chosen per
 * question; its outcomes are compared with the current model's; promotion and rollback are one
 * step each, refused when nothing (or something else) is running, and audited.
 */
describe('department canaries', () => {
  let models: TinyModels & { dir: string }
  let hrRunner: Runner
  let itRunner: Runner
  let local: Awaited<ReturnType<typeof startPgliteEndpoint>>
  let neon: ReturnType<typeof openNeon>
  let env: Env
  const TOKEN = 'local-console-token-0123456789abcdef'
  // The Worker's after-response work (closing its database pool), awaited as workerd would.
  const call = async (path: string, init: RequestInit = {}) => {
    const pending: Promise<unknown>[] = []
    const ctx = {
      waitUntil: (p: Promise<unknown>) => void pending.push(p),
      passThroughOnException: () => {},
      props: {},
    }
    const res = await app.request(
      `http://127.0.0.1:8787${path}`,
      {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
      },
      env,
      ctx as never,
    )
    await Promise.all(pending)
    return res
  }
  const post = (path: string, body: unknown) => call(path, { method: 'POST', body: JSON.stringify(body) })
  /** Chat requests a runner answered with an adapter, from its own counters. */
  const counted = (r: Runner, adapter: string) => chatRequestsServed(r.url, TEST_KEY, adapter)
  const ask = async (question: string) => {
    const res = await post('/api/ask', { question })
    expect(res.status).toBe(200)
    const { id } = (await res.json()) as { id: number }
    const [q] = await neon.db.select().from(questions).where(eq(questions.id, id))
    return q as typeof questions.$inferSelect
  }
  type Fleet = {
    runners: Array<{ url: string; state: string; models: Array<{ adapters: string[] }> }>
    departments: Array<{
      department: string
      current: string
      currentFrom: string
      currentServed: boolean
      canary: string | null
      share: number
      comparison: Array<{ model: string; questions: number; escalated: number; helpful: number }>
    }>
  }
  const fleet = async () => (await (await call('/api/fleet')).json()) as Fleet
  const it_ = async () => (await fleet()).departments.find((d) => d.department === 'it')

  beforeAll(async () => {
    models = await tinyModels()
    ;[hrRunner, itRunner] = await Promise.all([
      startTestRunner({ models, adapters: [{ name: 'hr', file: 'lora-a' }] }),
      startTestRunner({ models, adapters: [{ name: 'it', file: 'lora-b' }] }),
    ])
    forgetRunnerStates()
    local = await startPgliteEndpoint()
    neon = openNeon({ connectionString: local.endpoint.connectionString, wsProxy: local.endpoint.wsProxy })
    await migrateNeon(neon.db)
    await ingestFiles(neon.db, createLocalEmbedder(), smallHandbookFiles())
    env = {
      DATABASE_URL: local.endpoint.connectionString,
      POLICYBOT_NEON_WSPROXY: local.endpoint.wsProxy,
      WEB_CONSOLE: 'on',
      CONSOLE_AUTH: 'local',
      CONSOLE_LOCAL_TOKEN: TOKEN,
      WEB_ADMIN: 'ops@example.com',
      RUNNERS: `${hrRunner.url} ${itRunner.url}`,
      RUNNER_TOKEN: TEST_KEY,
      RUNNER_MODEL: 'tiny',
      DEPARTMENTS: JSON.stringify([
        { name: 'hr', channels: ['slack:C0HRHELP1'] },
        { name: 'it', sources: ['file:it/'] },
      ]),
    } as unknown as Env
  }, 300_000)
  afterAll(async () => {
    await neon?.close()
    await local?.close()
    await Promise.all([hrRunner?.close(), itRunner?.close()])
    removeModels(models)
  })

  it('shows every runner and each department’s model', async () => {
    const f = await fleet()
    expect(f.runners.map((r) => [r.url, r.state, r.models[0]?.adapters])).toEqual([
      [hrRunner.url, 'ready', ['hr']],
      [itRunner.url, 'ready', ['it']],
    ])
    expect(
      f.departments.map((d) => [d.department, d.current, d.currentFrom, d.canary, d.currentServed]),
    ).toEqual([
      ['hr', 'tiny:hr', 'config', null, true],
      ['it', 'tiny:it', 'config', null, true],
    ])
  })

  it('says when no runner serves a department’s model (its questions then go to the base model)', async () => {
    const saved = env
    env = {
      ...env,
      DEPARTMENTS: JSON.stringify([{ name: 'legal', channels: ['slack:C0LEGAL001'] }]),
    } as unknown as Env
    try {
      expect((await fleet()).departments.map((d) => [d.department, d.current, d.currentServed])).toEqual([
        ['legal', 'tiny:legal', false],
      ])
    } finally {
      env = saved
    }
  })

  it('refuses a canary no runner serves, a share over half, a department that does not exist', async () => {
    const nope = await post('/api/rollouts/it/canary', { model: 'tiny:nope', percent: 10 })
    expect(nope.status).toBe(409)
    expect(await nope.text()).toMatch(/no runner serves tiny:nope/)
    expect((await post('/api/rollouts/it/canary', { model: 'tiny:hr', percent: 60 })).status).toBe(400)
    const none = await post('/api/rollouts/sales/canary', { model: 'tiny:hr', percent: 10 })
    expect(none.status).toBe(400)
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(
      /no department "sales"/,
    )
    expect((await post('/api/rollouts/it/promote', { canary: 'tiny:hr' })).status).toBe(409)
    expect((await it_())?.canary).toBeNull()
  })

  it('answers the canary’s share of questions with it, compares the two, and promotes it in one audited step', async () => {
    expect((await post('/api/rollouts/it/canary', { model: 'tiny:hr', percent: 50 })).status).toBe(200)
    expect(await it_()).toMatchObject({ canary: 'tiny:hr', share: 0.5, current: 'tiny:it' })
    const before = { hr: await counted(hrRunner, 'hr'), it: await counted(itRunner, 'it') }
    const asked: Array<typeof questions.$inferSelect> = []
    for (const q of [
      'how long must my password be?',
      'is multi-factor authentication mandatory?',
      'what do I do when I lose my laptop?',
      'how many characters does a password need?',
      'who do I tell about a lost device?',
      'how fast must a lost laptop be reported?',
      'do I need MFA on my account?',
      'minimum password length?',
    ])
      asked.push(await ask(q))
    // Every one was an IT question, answered by the model its id picks: the canary for half.
    expect(asked.map((q) => q.department)).toEqual(asked.map(() => 'it'))
    // (One that retrieval was not sure of abstains before any model is asked: no model.)
    expect(asked.map((q) => q.model)).toEqual(
      asked.map((q) => (q.mode === 'abstain' ? null : bucket(q.id) < 0.5 ? 'tiny:hr' : 'tiny:it')),
    )
    expect(asked.filter((q) => q.model).length).toBeGreaterThanOrEqual(6)
    const onCanary = asked.filter((q) => q.model === 'tiny:hr')
    expect(onCanary.length).toBeGreaterThan(0)
    expect(onCanary.length).toBeLessThan(asked.length)
    // The runners' own counts agree: the canary's requests went to the runner holding it.
    expect(await counted(hrRunner, 'hr')).toBe(before.hr + onCanary.length)
    const onCurrent = asked.filter((q) => q.model === 'tiny:it')
    expect(await counted(itRunner, 'it')).toBe(before.it + onCurrent.length)

    // One helpful vote on a canary answer; the comparison counts it for the canary.
    expect((await post(`/api/questions/${onCanary[0]?.id}/feedback`, { helpful: true })).status).toBe(200)
    const compared = (await it_())?.comparison
    const escalated = (m: string) => asked.filter((q) => q.model === m && q.status === 'escalated').length
    expect(compared).toEqual([
      {
        model: 'tiny:it',
        questions: onCurrent.length,
        escalated: escalated('tiny:it'),
        helpful: 0,
        unhelpful: 0,
      },
      {
        model: 'tiny:hr',
        questions: onCanary.length,
        escalated: escalated('tiny:hr'),
        helpful: 1,
        unhelpful: 0,
      },
    ])

    // Promoting what is not running is refused; promoting what is, once.
    expect((await post('/api/rollouts/it/promote', { canary: 'tiny:other' })).status).toBe(409)
    expect((await post('/api/rollouts/it/promote', { canary: 'tiny:hr' })).status).toBe(200)
    expect((await post('/api/rollouts/it/promote', { canary: 'tiny:hr' })).status).toBe(409)
    expect(await it_()).toMatchObject({ current: 'tiny:hr', currentFrom: 'promoted', canary: null })
    for (const q of ['how long does a password have to be?', 'when must a lost laptop be reported?'])
      expect((await ask(q)).model).toBe('tiny:hr')

    const audit = await neon.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subject, 'department:it'))
      .orderBy(asc(auditLog.id))
    expect(
      audit.map((a) => [a.actor, a.action, (a.detail as { step: string }).step, a.before, a.after]),
    ).toEqual([
      ['web:ops@example.com', 'rollout', 'canary', null, 'tiny:hr at 50%'],
      ['web:ops@example.com', 'rollout', 'promote', 'tiny:it', 'tiny:hr'],
    ])
  })

  it('is run from the CLI too: policybot rollout, and the departments under policybot runners', async () => {
    const cli = async (...argv: string[]) => {
      const lines: string[] = []
      const code = await main(argv, env as unknown as Record<string, string>, {
        result: (t) => lines.push(t),
        progress: () => {},
      })
      return { code, text: lines.join('\n') }
    }
    expect(await cli('rollout', 'canary', 'hr', 'tiny:it', '--percent', '10')).toEqual({
      code: 0,
      text: 'hr: tiny:it now answers 10% of questions; tiny:hr the rest.',
    })
    const status = await cli('rollout')
    expect(status.text).toMatch(/^hr: tiny:hr; canary tiny:it on 10% since \S+ \S+ \(by cli\)$/m)
    expect(status.text).toMatch(/^ {2}tiny:hr: 0 questions, — escalated/m)
    expect(status.text).toMatch(/^it: tiny:hr \(promoted; DEPARTMENTS no longer decides\)$/m)
    const runners = await cli('runners')
    expect(runners.code).toBe(0)
    expect(runners.text).toContain(`${hrRunner.url}: ready`)
    expect(runners.text).toMatch(/Departments:\n[\s\S]*hr: tiny:hr; canary tiny:it on 10%/)
    expect(await cli('rollout', 'rollback', 'hr')).toEqual({
      code: 0,
      text: 'hr: tiny:hr answers every question now.',
    })
    expect((await cli('rollout', 'rollback', 'hr')).code).toBe(1)
    expect((await cli('rollout', 'canary', 'hr', 'tiny:it')).code).toBe(2)
    const [last] = await neon.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subject, 'department:hr'))
      .orderBy(asc(auditLog.id))
      .offset(1)
    expect(last).toMatchObject({
      actor: 'cli',
      action: 'rollout',
      detail: { step: 'rollback', canary: 'tiny:it' },
    })
  })

  it('is run from the console in a browser: runners, departments, a canary started and rolled back', async () => {
    const served = await serveApp(env)
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox'],
    })
    try {
      const page = await browser.newPage({ locale: 'en-US', bypassCSP: true })
      page.on('dialog', (d) => void d.accept())
      await page.goto(`${served.url}login?token=${TOKEN}`)
      await page.click('nav a[href="#/adapters"]')
      const runners = page.locator('#fleet tr[data-runner]')
      await runners.first().waitFor()
      expect(await runners.count()).toBe(2)
      expect(await page.locator('#fleet td.runner-state').allTextContents()).toEqual(['ready', 'ready'])
      // The adapters say which runner holds them; an upload can go to either or both.
      expect(await page.locator('tr[data-adapter="tiny:hr"] td.adapter-runners').textContent()).toBe(
        hrRunner.url,
      )
      expect(await page.locator('tr[data-adapter="tiny:it"] td.adapter-runners').textContent()).toBe(
        itRunner.url,
      )
      expect(await page.locator('fieldset.ad-runners input[type=checkbox]:checked').count()).toBe(2)
      const hr = page.locator('section.department[data-department="hr"]')
      await hr.locator('p', { hasText: 'Answers with tiny:hr' }).waitFor()
      await page.locator('section.department[data-department="it"] p', { hasText: 'promoted here' }).waitFor()

      await hr.locator('input[type=text]').fill('tiny:it')
      await hr.locator('input[type=number]').fill('20')
      await hr.locator('form button[type=submit]').click()
      await hr.locator('.canary', { hasText: 'Canary: tiny:it answers 20% of its questions' }).waitFor()
      expect(await hr.locator('table tbody tr').allTextContents()).toEqual([
        expect.stringContaining('tiny:hr (current)'),
        expect.stringContaining('tiny:it (canary)'),
      ])
      await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') })
      const axe = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] })')) as {
        violations: { id: string; impact: string }[]
      }
      expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([])

      await hr.locator('button.rollback').click()
      await hr.locator('form button[type=submit]', { hasText: 'Start a canary' }).waitFor()
      expect(await hr.locator('.canary').count()).toBe(0)
      const steps = await neon.db
        .select()
        .from(auditLog)
        .where(eq(auditLog.subject, 'department:hr'))
        .orderBy(asc(auditLog.id))
      expect(steps.slice(-2).map((a) => [a.actor, (a.detail as { step: string }).step])).toEqual([
        ['web:ops@example.com', 'canary'],
        ['web:ops@example.com', 'rollback'],
      ])
    } finally {
      await browser.close()
      await served.close()
    }
  })

  it('manages the adapters of every runner from the console: who holds which, uploads to the runners chosen, removal from all', async () => {
    type Listed = {
      runners: Array<{ url: string; error?: string }>
      adapters: Array<{ id: string; runners: Array<{ url: string; status: string }> }>
    }
    const listed = async () => (await (await call('/api/adapters')).json()) as Listed
    const holders = async (id: string) =>
      (await listed()).adapters.find((a) => a.id === id)?.runners.map((r) => r.url)
    expect((await listed()).runners).toEqual([{ url: hrRunner.url }, { url: itRunner.url }])
    expect(await holders('tiny:hr')).toEqual([hrRunner.url])
    expect(await holders('tiny:it')).toEqual([itRunner.url])

    const upload = (query: string, file: string) =>
      call(`/api/adapters?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: readFileSync(file),
      })
    const added = await upload('base=tiny&name=legal&department=legal&runners=1', models.loraA)
    expect(added.status).toBe(201)
    expect(((await added.json()) as { runners: string[] }).runners).toEqual([itRunner.url])
    expect(await holders('tiny:legal')).toEqual([itRunner.url])
    // The Worker's router sees it where it was loaded.
    expect((await fleet()).runners.map((r) => r.models[0]?.adapters)).toEqual([['hr'], ['it', 'legal']])

    // Not a LoRA file: both runners refuse, and the caller is told which said what.
    const bad = await upload('base=tiny&name=broken&runners=0,1', models.tiny)
    expect(bad.status).toBeGreaterThanOrEqual(400)
    expect(bad.status).toBeLessThan(500)
    const refused = (await bad.json()) as { error: { message: string }; results: Array<{ ok: boolean }> }
    expect(refused.error.message).toContain(`${hrRunner.url}: `)
    expect(refused.error.message).toContain(`${itRunner.url}: `)
    expect(refused.results.map((r) => r.ok)).toEqual([false, false])
    expect((await upload('base=tiny&name=x&runners=2', models.loraA)).status).toBe(400)

    // Removal reaches every runner that holds it; one that never held it is no failure.
    expect((await call('/api/adapters/tiny:legal', { method: 'DELETE' })).status).toBe(200)
    expect(await holders('tiny:legal')).toBeUndefined()
    expect((await call('/api/adapters/tiny:legal', { method: 'DELETE' })).status).toBe(404)
  })
})
