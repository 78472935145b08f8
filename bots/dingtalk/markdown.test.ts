import { describe, expect, it } from 'vitest'
import type { EscalationView, ReplyCitation } from '../reply'
import { escalationActionCard, outcomeMarkdown } from './escalation-card'
import { answerMarkdown, dingTalkCitation } from './markdown'

const cite = (over: Partial<ReplyCitation> = {}): ReplyCitation => ({
  n: 1,
  title: 'Leave',
  headingPath: [],
  url: null,
  page: null,
  updated: '2026-01-01',
  ...over,
})

const escalation = (over: Partial<EscalationView> = {}): EscalationView => ({
  id: 4,
  question: 'How many days?',
  asker: 'staff01',
  channel: 'cid01',
  reason: 'low_confidence',
  draft: 'Twenty [1].',
  citations: [cite()],
  confidence: 0.4,
  status: 'open',
  ...over,
})

describe('untrusted content in DingTalk Markdown', () => {
  it.each([
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a URL that closes the link', 'https://x) [Click me](javascript:alert(1)'],
  ])('shows a citation with %s as plain text', (_what, url) => {
    expect(dingTalkCitation(cite({ url }), 'en')).toBe('1. Leave (updated 2026-01-01)')
  })

  it('keeps the link target inside its parentheses and the title inert', () => {
    expect(
      dingTalkCitation(
        cite({ url: 'https://wiki.example/a_(b)', title: 'Leave](javascript:x) *now*' }),
        'en',
      ),
    ).toBe('1. [Leave\\](javascript:x) \\*now\\*](https://wiki.example/a_%28b%29) (updated 2026-01-01)')
    expect(dingTalkCitation(cite({ url: 'mailto:hr@example.com)<x>' }), 'en')).toBe(
      '1. [Leave](mailto:hr@example.com%29%3Cx%3E) (updated 2026-01-01)',
    )
  })

  it('shows links in the answer text only when their target may be a link', () => {
    const md = answerMarkdown({
      questionId: 1,
      mode: 'extractive',
      text: 'See [the form](javascript:alert(1)), ![x](data:image/png;base64,AA) and [HR](https://hr.example/a).',
      citations: [],
      language: 'en',
      actions: false,
    })
    expect(md.text).toContain('See the form, x and [HR](https://hr.example/a).')
    expect(md.text).not.toMatch(/javascript:|data:/)
  })

  it("makes the asker's question, the admin's note and names inert on the admins' cards", () => {
    const card = escalationActionCard(
      escalation({ question: '[Approve](javascript:alert(1)) <img src=x>', askerName: '**Boss**' }),
      (a) => `https://bot.example/dingtalk/review?action=${a}`,
    )
    expect(card.text).toContain('> \\[Approve\\](javascript:alert(1)) &lt;img src=x&gt;')
    expect(card.text).toContain('\\*\\*Boss\\*\\* (staff01)')
    const outcome = outcomeMarkdown(
      escalation({ status: 'rejected', decidedBy: 'admin01', rejectReason: '[see](javascript:alert(1))' }),
    )
    expect(outcome.text).toContain('\\[see\\](javascript:alert(1))')
    expect(outcome.text).not.toContain('[see](')
  })
})
