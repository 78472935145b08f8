import { describe, expect, it } from 'vitest'
import { safeLink } from '../../bots/links'
import { WEB_PAGE } from './page'

/** A node of the fake DOM the page's own script builds into. */
interface FakeNode {
  tag: string
  children: FakeNode[]
  textContent?: string
  href?: string
  appendChild(n: FakeNode): FakeNode
}

const fakeDocument = {
  createElement: (tag: string): FakeNode => {
    const node: FakeNode = {
      tag,
      children: [],
      appendChild: (n) => {
        node.children.push(n)
        return n
      },
    }
    return node
  },
  createTextNode: (text: string) => ({ tag: '#text', children: [], textContent: text }),
}

/** The page's `sourceList`, run against the fake DOM (the script is the page's, unchanged). */
function pageSourceList(): (citations: unknown[]) => FakeNode {
  const script = /<script>([\s\S]*)<\/script>/.exec(WEB_PAGE)?.[1] ?? ''
  const pick = (re: RegExp) => re.exec(script)?.[0] ?? ''
  const code = [
    pick(/^const el = .*$/m),
    pick(/^function safeHref\([\s\S]*?^\}$/m),
    pick(/^function sourceList\([\s\S]*?^\}$/m),
  ].join('\n')
  return new Function('document', `${code}\nreturn sourceList`)(fakeDocument)
}

const cite = (url: string) => ({
  n: 1,
  title: 'Leave',
  headingPath: [],
  url,
  page: null,
  updated: '2026-01-01',
})

describe('the web page', () => {
  it.each([
    'javascript:alert(1)',
    'JAVASCRIPT:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'https://trusted.example@evil.example/',
  ])('shows a source whose url is %j as text, not a link', (url) => {
    const li = pageSourceList()([cite(url)]).children[0]
    expect(li?.children[0]).toMatchObject({ tag: 'span', textContent: 'Leave' })
    expect(JSON.stringify(li)).not.toContain('href')
  })

  it('links an allowed source with the href safeLink gives', () => {
    const url = 'HTTPS://Wiki.Example/leave?x=<1>'
    const li = pageSourceList()([cite(url)]).children[0]
    expect(li?.children[0]).toMatchObject({ tag: 'a', href: safeLink(url), textContent: 'Leave' })
  })
})
