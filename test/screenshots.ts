/**
 * `npm run screenshots [-- OUT_DIR]`: every console page, at desktop (1280 px) and phone (375 px)
 * width, in English and Chinese, written as PNG files for a reviewer (default `screenshots/`).
 * It runs the real local stack (`npm start`'s code: the embedded database with the sample
 * handbook, the Worker in workerd) in a temporary data directory, puts some life into it through
 * the console's own API (questions, an escalation decided, one left open, feedback, an upload), and
 * drives Debian's Chromium through playwright-core.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { loadConfig } from '../workers/cli/config'
import { openContext } from '../workers/cli/context'
import { freePort } from '../workers/cli/ports'
import { startLocalStack } from './helpers/local-stack'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const OUT = resolve(process.argv[2] ?? 'screenshots')
const say = (s: string) => process.stdout.write(`${s}\n`)

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'policybot-screens-'))
  const env = { POLICYBOT_DATA: dir, PORT: String(await freePort()), POLICYBOT_CRON_SECONDS: '2' }
  const ctx = await openContext(loadConfig(env))
  const { url, local, stop } = await startLocalStack(ctx, env)
  try {
    if (!local) throw new Error('the console is off')
    const token = local.token
    const api = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return (await res.json()) as Record<string, unknown>
    }
    // Some life: answered questions, a follow-up, one approved with edits, one left open, votes.
    const first = await api('api/ask', { question: 'How many days of annual leave do I get?' })
    await api('api/ask', { question: 'And can I carry them over?', conversation: first.conversation })
    const hours = await api('api/ask', { question: 'What are our core hours?' })
    await api(`api/questions/${hours.id}/feedback`, { helpful: true })
    const gym = await api('api/ask', { question: 'Is there a gym subsidy?' })
    await api(`api/questions/${gym.id}/feedback`, { helpful: false })
    await api(`api/questions/${gym.id}/escalate`, {})
    const seattle = await api('api/ask', {
      question: 'How many days of leave do Seattle employees get after 4 years?',
    })
    await api(`api/questions/${seattle.id}/escalate`, {})
    const open = (await api('api/escalations')) as unknown as Array<{ id: number; question: string }>
    const toApprove = open.find((e) => e.question.includes('Seattle'))
    if (toApprove)
      await api(`api/escalations/${toApprove.id}/approve`, {
        answer: 'Seattle employees get **23 days** of annual leave after 4 years [1].',
        sources: [1],
      })
    await api('api/ask', { question: 'How many days of leave do Seattle staff get after four years?' })
    await api('api/ask', { question: '上海办公室的年假有几天？' })

    mkdirSync(OUT, { recursive: true })
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    const pages: Array<[string, string]> = [
      ['ask', '.turn'],
      ['escalations', '.esc'],
      ['approved', '.approved'],
      ['documents', '#documents table'],
      ['analytics', 'figure svg'],
      ['adapters', '#adapters p, #adapters table'],
    ]
    let n = 0
    try {
      for (const [locale, tag] of [
        ['en-US', 'en'],
        ['zh-CN', 'zh'],
      ] as const) {
        for (const [width, height, size] of [
          [1280, 900, 'desktop'],
          [375, 812, 'phone'],
        ] as const) {
          const page = await browser.newPage({ locale, viewport: { width, height } })
          await page.goto(local.signIn)
          for (const [view, ready] of pages) {
            await page.goto(`${url}#/${view}`)
            await page.locator(ready).first().waitFor()
            await page.waitForTimeout(300)
            const file = join(OUT, `${view}-${size}-${tag}.png`)
            await page.screenshot({ path: file, fullPage: true })
            n++
          }
          await page.close()
        }
      }
    } finally {
      await browser.close()
    }
    say(`Wrote ${n} screenshots to ${OUT}`)
  } finally {
    await stop()
    await ctx.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
