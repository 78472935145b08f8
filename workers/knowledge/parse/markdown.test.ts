import { describe, expect, it } from 'vitest'
import { parseMarkdown } from './markdown'

const messy = `---
title: Leave Policy
last_updated: 2026-03-14
audience: [Employees, Managers]
company: Northwind
---
{% include toc.html %}
{% comment %}
Draft note: do not publish.
{% endcomment %}
#Annual leave
Full-time employees at {{ site.company }} accrue 20 days of paid
annual leave per year, rising to 25 days
after two years of service.

##Carry-over
- Up to 5 unused days carry over
  to the next calendar year.
- Carried-over days expire on 31 March.
  1. Nested detail stays with its item.

<table><tr><td>Tenure</td><td>Days</td></tr><tr><td>0–2 years</td><td>20</td></tr></table>

<div class="callout"><p>Ask <b>HR</b> first.</p></div>

| Office | Days |
|--------|------|
| Berlin | 28 |

员工每年享有十五天
带薪年假。
`

describe('parseMarkdown on real-world Markdown', () => {
  const doc = parseMarkdown(messy, 'fallback')

  it('reads title, date and audience from YAML front matter', () => {
    expect(doc.title).toBe('Leave Policy')
    expect(doc.updatedAt?.toISOString().slice(0, 10)).toBe('2026-03-14')
    expect(doc.audience).toEqual(['employees', 'managers'])
  })

  it('drops template tags and comments, resolving variables from front matter', () => {
    const text = JSON.stringify(doc.blocks)
    expect(text).not.toMatch(/\{%|%\}|\{\{|Draft note/)
    expect(text).toContain('employees at Northwind accrue')
  })

  it('recognises headings written without a space after #', () => {
    expect(
      doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.kind === 'heading' && [b.level, b.text]),
    ).toEqual([
      [1, 'Annual leave'],
      [2, 'Carry-over'],
    ])
  })

  it('joins hard-wrapped lines, without spaces between CJK characters', () => {
    expect(doc.blocks).toContainEqual({
      kind: 'paragraph',
      text: 'Full-time employees at Northwind accrue 20 days of paid annual leave per year, rising to 25 days after two years of service.',
    })
    expect(doc.blocks).toContainEqual({ kind: 'paragraph', text: '员工每年享有十五天带薪年假。' })
  })

  it('keeps list items whole, nested items inside their parent', () => {
    expect(doc.blocks).toContainEqual({
      kind: 'list',
      items: [
        '- Up to 5 unused days carry over to the next calendar year.',
        '- Carried-over days expire on 31 March.\n  1. Nested detail stays with its item.',
      ],
    })
  })

  it('turns raw HTML tables (even without <th>) and Markdown tables into table rows', () => {
    expect(doc.blocks).toContainEqual({
      kind: 'table',
      header: '| Tenure | Days |',
      rows: ['| 0–2 years | 20 |'],
    })
    expect(doc.blocks).toContainEqual({
      kind: 'table',
      header: '| Office | Days |',
      rows: ['| Berlin | 28 |'],
    })
    expect(doc.blocks).toContainEqual({ kind: 'paragraph', text: 'Ask HR first.' })
  })

  it('falls back to the first H1, then the file name, for the title', () => {
    expect(parseMarkdown('# Remote work\n\nText.', 'remote').title).toBe('Remote work')
    expect(parseMarkdown('Just text.', 'Notes').title).toBe('Notes')
  })

  it('survives front matter that is not valid YAML', () => {
    const d = parseMarkdown('---\ntitle: [unclosed\n---\n# Page\n\nBody.', 'x')
    expect(d.title).toBe('Page')
    expect(d.blocks).toContainEqual({ kind: 'paragraph', text: 'Body.' })
  })

  it.each([
    'javascript:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    '/handbook/leave',
  ])('keeps the document but not a front matter url that may not be a link (%j)', (url) => {
    const d = parseMarkdown(`---\ntitle: Leave\nurl: "${url}"\n---\n# Leave\n\nTwenty days.`, 'x')
    expect(d.title).toBe('Leave')
    expect(d.blocks).toContainEqual({ kind: 'paragraph', text: 'Twenty days.' })
    expect(d.url).toBeUndefined()
  })

  it('keeps an http(s) front matter url, normalized', () => {
    expect(parseMarkdown('---\nurl: HTTPS://Wiki.Example/leave\n---\nText.', 'x').url).toBe(
      'https://wiki.example/leave',
    )
  })
})

describe('front matter that says who may read a page', () => {
  const page = (fm: string) => `---\n${fm}\n---\n# Hiring budget\n\nTwo requisitions per quarter.\n`

  it('refuses the file when the front matter setting an audience is not valid YAML (it would be public)', () => {
    expect(() => parseMarkdown(page('title: Hiring\naudience: [managers'), 'x', 'hiring.md')).toThrow(
      /hiring\.md: its front matter, which says who may read it, is not valid YAML/,
    )
    expect(() => parseMarkdown(page('title: "Hiring\naudience: managers'), 'x', 'hiring.md')).toThrow(
      expect.objectContaining({ code: 'FILE_FRONT_MATTER' }),
    )
  })

  it('refuses an audience that is empty or not a list of names', () => {
    for (const fm of ['audience:', 'audience: []', 'audience: {managers: true}', 'visibility: ""']) {
      expect(() => parseMarkdown(page(fm), 'x', 'hiring.md'), fm).toThrow(/hiring\.md: its front matter's/)
    }
  })

  it('keeps a page whose unreadable front matter sets no audience, as before (seen in real handbooks)', () => {
    const doc = parseMarkdown(page('title: "Panel\ninterviews"'), 'Fallback')
    expect(doc.audience).toBeUndefined()
    expect(doc.title).toBe('Hiring budget')
  })

  it('reads a comma-separated audience and treats "everyone" as no restriction', () => {
    expect(parseMarkdown(page('audience: Managers, HR'), 'x').audience).toEqual(['managers', 'hr'])
    expect(parseMarkdown(page('audience: [everyone]'), 'x').audience).toBeUndefined()
  })
})
