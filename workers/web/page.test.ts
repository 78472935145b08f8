import { describe, expect, it } from 'vitest'
import { safeLink } from '../../bots/links'
import { CONSOLE_JS } from './console-app'
import { CONSOLE_MESSAGES } from './console-i18n'
import { WEB_PAGE } from './page'

/** The console script's own `safeHref` (the function as served, unchanged). */
function consoleSafeHref(): (url: unknown) => string | null {
  const code = /^ {2}function safeHref\([\s\S]*?^ {2}\}$/m.exec(CONSOLE_JS)?.[0]
  if (!code) throw new Error('safeHref not found in the console script')
  return new Function(`${code}\nreturn safeHref`)()
}

describe('the console page', () => {
  it.each([
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https://trusted.example@evil.example/',
  ])('does not link a source whose url is %j', (url) => {
    expect(consoleSafeHref()(url)).toBeNull()
  })

  it('links an allowed source with the href safeLink gives', () => {
    const url = 'HTTPS://Wiki.Example/leave?x=<1>'
    expect(consoleSafeHref()(url)).toBe(safeLink(url))
  })

  it('runs no inline script, and embeds its words so that no "</script>" can end the block', () => {
    expect(WEB_PAGE).toContain('<script src="/console.js" defer></script>')
    const scripts = [...WEB_PAGE.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)]
    for (const [, attrs, body] of scripts) {
      if (body?.trim()) expect(attrs).toContain('type="application/json"')
    }
    const json = /<script type="application\/json" id="messages">([\s\S]*?)<\/script>/.exec(WEB_PAGE)?.[1]
    expect(JSON.parse(json as string)).toEqual(CONSOLE_MESSAGES)
    // The script is parseable JavaScript as served.
    expect(() => new Function(CONSOLE_JS)).not.toThrow()
  })

  it('has every message in Chinese, and says each reason code in words', () => {
    expect(Object.keys(CONSOLE_MESSAGES.zh).sort()).toEqual(Object.keys(CONSOLE_MESSAGES.en).sort())
    for (const code of ['abstain', 'low_confidence', 'ungrounded', 'asked', 'feedback']) {
      expect(CONSOLE_MESSAGES.en).toHaveProperty(`reason_${code}`)
      expect(CONSOLE_MESSAGES.en[`reason_${code}` as keyof typeof CONSOLE_MESSAGES.en]).not.toContain('_')
    }
  })
})
