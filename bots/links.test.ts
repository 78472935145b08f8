import { describe, expect, it } from 'vitest'
import { percentEncode, safeLink } from './links'

describe('safeLink', () => {
  it('passes http, https and mailto links, normalized', () => {
    expect(safeLink('https://wiki/t')).toBe('https://wiki/t')
    expect(safeLink('HTTPS://Wiki.Example.com/Leave Policy'.replace(' ', '%20'))).toBe(
      'https://wiki.example.com/Leave%20Policy',
    )
    expect(safeLink('http://intranet.example/a?b=1&c=<2>')).toBe('http://intranet.example/a?b=1&c=%3C2%3E')
    expect(safeLink('mailto:hr@example.com')).toBe('mailto:hr@example.com')
  })

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'java\tscript:alert(1)',
    ' javascript:alert(1)',
    'https://x|Click me> <!channel> <https://evil|x>',
    'https://example.com/a b',
    'https://example.com/\u202Efdp.exe',
    'https://trusted.example@evil.example/',
    '/relative/path',
    'not a url',
    '',
    null,
    undefined,
  ])('refuses %j', (url) => {
    expect(safeLink(url)).toBeUndefined()
  })
})

describe('percentEncode', () => {
  it('writes the chosen characters as %XX and leaves the rest', () => {
    expect(percentEncode('mailto:a@b.c)<x>|y', /[()<>|]/g)).toBe('mailto:a@b.c%29%3Cx%3E%7Cy')
  })
})
