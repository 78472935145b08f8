import { describe, expect, it } from 'vitest'
import type { EscalationView, ReplyCitation } from '../reply'
import { reviewPage } from './console-page'

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

describe('the DingTalk approval page', () => {
  const page = (e: EscalationView) =>
    reviewPage(e, { admin: 'admin01', token: 't"><x', action: undefined, postTo: '/dingtalk/review' })

  it.each(['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>'])(
    'shows a source whose url is %j without a link',
    (url) => {
      const html = page(escalation({ citations: [cite({ url })] }))
      expect(html).toContain('<li value="1">Leave <span class="meta">')
      expect(html).not.toMatch(/href="(?!https?:|mailto:)/i)
      expect(html.toLowerCase()).not.toContain('javascript:')
    },
  )

  it('escapes titles, questions and the token, and links only allowed sources', () => {
    const html = page(
      escalation({
        question: '"><img src=x onerror=alert(1)>',
        citations: [
          cite({ title: '"><img src=x onerror=alert(1)>', url: 'https://wiki.example/a?b="c"&d=<e>' }),
        ],
      }),
    )
    expect(html).not.toContain('<img')
    expect(html).toContain(
      '<a href="https://wiki.example/a?b=%22c%22&amp;d=%3Ce%3E">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</a>',
    )
    expect(html).toContain('value="t&quot;&gt;&lt;x"')
  })
})
