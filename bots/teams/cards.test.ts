import { describe, expect, it } from 'vitest'
import type { EscalationView, ReplyCitation } from '../reply'
import { answerCard, citationText } from './cards'
import { escalationCard } from './escalation-card'

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
  asker: '29:asker',
  channel: '19:channel',
  reason: 'low_confidence',
  draft: 'Twenty [1].',
  citations: [cite()],
  confidence: 0.4,
  status: 'open',
  ...over,
})

const texts = (card: { body: Array<Record<string, unknown>> }) => card.body.map((b) => String(b.text ?? ''))

describe('untrusted content in Teams cards', () => {
  it.each([
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a URL that closes the link', 'https://x) [Click me](javascript:alert(1)'],
  ])('shows a citation with %s as plain text', (_what, url) => {
    expect(citationText(cite({ url }), 'en')).toBe('1. Leave (updated 2026-01-01)')
  })

  it('keeps the link target inside its parentheses and the title inert', () => {
    expect(citationText(cite({ url: 'https://wiki.example/a (b)', title: '<at>Everyone</at>' }), 'en')).toBe(
      '1. Leave (updated 2026-01-01)'.replace('Leave', '&lt;at&gt;Everyone&lt;/at&gt;'),
    )
    expect(citationText(cite({ url: 'https://wiki.example/a_(b)', title: 'A [b]' }), 'en')).toBe(
      '1. [A \\[b\\]](https://wiki.example/a_%28b%29) (updated 2026-01-01)',
    )
  })

  it('shows links in the answer only when their target may be a link', () => {
    const card = answerCard({
      questionId: 1,
      mode: 'generated',
      text: 'Use [the form](javascript:alert(1)) or [HR](https://hr.example/).',
      citations: [cite({ url: 'javascript:alert(2)' })],
      language: 'en',
      actions: true,
    })
    expect(texts(card)).toContain('Use the form or [HR](https://hr.example/).')
    expect(JSON.stringify(card)).not.toContain('javascript:')
  })

  it("makes the asker's question, names and the admin's note inert on the escalation card", () => {
    const open = texts(
      escalationCard(escalation({ question: '[Approve](javascript:alert(1))', askerName: '_Ana_' })),
    )
    expect(open).toContain('\\[Approve\\](javascript:alert(1))')
    expect(open.some((t) => t.startsWith('Asked by \\_Ana\\_ (29:asker)'))).toBe(true)
    const rejected = texts(
      escalationCard(
        escalation({ status: 'rejected', decidedBy: 'Boss', rejectReason: '<at>x</at> [y](javascript:1)' }),
      ),
    )
    expect(rejected).toContain('Rejected by Boss: &lt;at&gt;x&lt;/at&gt; \\[y\\](javascript:1)')
  })
})
