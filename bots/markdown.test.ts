import { describe, expect, it } from 'vitest'
import { markdownLink, safeMarkdownLinks } from './markdown'

describe('markdownLink', () => {
  it('links only allowed URLs, with the target unable to close the link', () => {
    expect(markdownLink('javascript:alert(1)', 'Leave')).toBe('Leave')
    expect(markdownLink('https://wiki.example/a_(b)', 'Leave *now*')).toBe(
      '[Leave \\*now\\*](https://wiki.example/a_%28b%29)',
    )
  })
})

describe('safeMarkdownLinks', () => {
  it.each([
    ['[x](javascript:alert(1))', 'x'],
    ['[x]( javascript:alert(1) "t")', 'x'],
    ['[a [b] c](javascript:alert(1))', 'a [b] c'],
    ['![x](data:image/svg+xml,<svg onload=alert(1)>)', 'x>)'],
    ['[x](<javascript:alert(1)>)', 'x'],
    ['[x]\n(javascript:alert(1))', '[x]\n(javascript:alert(1))'],
    ['[x](vbscript:msgbox)', 'x'],
    ['<javascript:alert(1)>', '&lt;javascript:alert(1)&gt;'],
    ['[x][1]\n\n[1]: javascript:alert(1)', '[x][1]\n\n\\[1\\]: javascript:alert(1)'],
  ])('makes %j inert', (input, output) => {
    expect(safeMarkdownLinks(input)).toBe(output)
  })

  it('leaves allowed links, citation markers and other text as written', () => {
    const text =
      'See [HR](https://hr.example/a_(b)) [1], <https://wiki.example> and mail [us](mailto:hr@example.com).'
    expect(safeMarkdownLinks(text)).toBe(text)
  })

  it('breaks any remaining link opening whose target is refused', () => {
    expect(safeMarkdownLinks('[a]b](javascript:alert(1))')).not.toMatch(/\]\(javascript/)
  })
})
