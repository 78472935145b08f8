import { describe, expect, it } from 'vitest'
import { parkedAlertText } from '../../workers/messages'
import type { EscalationView, ReplyCitation } from '../reply'
import {
  answerMessage,
  citationLine,
  escalationMessage,
  SECTION_LIMIT,
  slackPerson,
  splitText,
} from './blocks'
import { toMrkdwn } from './mrkdwn'
import { slackMarkup } from './platform'

describe('splitText', () => {
  it('keeps every character and respects the limit, cutting at paragraph or sentence ends', () => {
    const text = Array.from(
      { length: 80 },
      (_, i) => `Sentence number ${i} says something about leave.`,
    ).join(' ')
    const parts = splitText(text, 500)
    expect(parts.every((p) => p.length <= 500)).toBe(true)
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(text)
    expect(parts[0]?.endsWith('.')).toBe(true)
  })
})

describe('answerMessage', () => {
  it('renders text sections within limits, numbered linked sources, feedback and Ask a human', () => {
    const m = answerMessage({
      questionId: 7,
      mode: 'generated',
      text: `**Yes.** ${'x'.repeat(SECTION_LIMIT + 100)} [1]`,
      citations: [
        {
          n: 1,
          title: 'Travel | Policy',
          headingPath: ['Trains'],
          url: 'https://wiki/t',
          page: 3,
          updated: '2026-01-02',
        },
      ],
      language: 'en',
      actions: true,
    })
    const sections = m.blocks.filter((b) => b.type === 'section') as { text: { text: string } }[]
    expect(sections.length).toBe(2)
    expect(sections.every((s) => s.text.text.length <= SECTION_LIMIT)).toBe(true)
    expect(sections[0]?.text.text.startsWith('*Yes.*')).toBe(true)
    expect(JSON.stringify(m.blocks)).toContain(
      '[1] <https://wiki/t|Travel ¦ Policy › Trains> (p. 3, updated 2026-01-02)',
    )
    expect(JSON.stringify(m.blocks)).toContain('"value":"down:7"')
    expect(JSON.stringify(m.blocks)).toContain('answer_ask_human')
  })

  it('escapes Slack control characters', () => {
    expect(toMrkdwn('a <b> & c')).toBe('a &lt;b&gt; &amp; c')
    expect(
      citationLine({ n: 2, title: 'A&B', headingPath: [], url: null, page: null, updated: '2026-01-01' }),
    ).toBe('[2] A&amp;B (updated 2026-01-01)')
  })
})

describe('the parked-job alert in Slack', () => {
  it("makes the asker's question inert and mentions only Slack ids", () => {
    const slack = parkedAlertText(
      {
        id: 1,
        kind: 'answer',
        attempts: 25,
        error: 'Slack chat.postMessage failed: HTTP 500',
        question: {
          platform: 'slack',
          asker: 'U0ASKER001',
          askerName: null,
          text: '<!channel> see <https://evil.example|the policy>',
        },
      },
      slackMarkup,
      slackPerson,
    )
    expect(slack).toContain('<@U0ASKER001>')
    expect(slack).toContain('&lt;!channel&gt; see &lt;https://evil.example|the policy&gt;')
    expect(slack).not.toContain('<!channel>')
    const teams = parkedAlertText(
      {
        id: 2,
        kind: 'answer',
        attempts: 1,
        error: 'no serviceUrl',
        question: { platform: 'teams', asker: '29:1a2b3c', askerName: 'Ana <script>', text: 'x' },
      },
      slackMarkup,
      slackPerson,
    )
    expect(teams).not.toContain('<@29:1a2b3c>')
    expect(teams).toContain('Ana &lt;script&gt;')
  })
})

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
  asker: 'U0ASKER001',
  channel: 'C0CHANNEL1',
  reason: 'low_confidence',
  draft: 'Twenty [1].',
  citations: [cite()],
  confidence: 0.4,
  status: 'open',
  ...over,
})

describe('untrusted content in Slack messages', () => {
  it.each([
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a URL that closes the link and pings the channel', 'https://x|Click me> <!channel> <https://evil|x>'],
  ])('shows a citation with %s as plain text', (_what, url) => {
    expect(citationLine(cite({ url, title: 'Leave <!here>' }))).toBe(
      '[1] Leave &lt;!here&gt; (updated 2026-01-01)',
    )
  })

  it("percent-encodes Slack's link delimiters in an allowed URL, so the label cannot be replaced", () => {
    expect(citationLine(cite({ url: 'https://wiki.example/a|<!channel>', title: 'Leave' }))).toBe(
      '[1] <https://wiki.example/a%7C%3C!channel%3E|Leave> (updated 2026-01-01)',
    )
    expect(toMrkdwn('See [the policy](https://evil.example/a|<!channel>) now')).toBe(
      'See <https://evil.example/a%7C%3C!channel%3E|the policy> now',
    )
    expect(toMrkdwn('[x](javascript:alert(1))')).not.toContain('<javascript:')
  })

  it('makes mentions and links in the answer inert in the fallback text as well as the blocks', () => {
    const m = answerMessage({
      questionId: 7,
      mode: 'extractive',
      text: 'Ask <@U123> or <!here>, see <https://evil.example|the policy>',
      citations: [],
      language: 'en',
      actions: false,
    })
    expect(m.text).toBe('Ask &lt;@U123&gt; or &lt;!here&gt;, see &lt;https://evil.example|the policy&gt;')
    expect(JSON.stringify(m)).not.toMatch(/<@U123>|<!here>|<https:\/\/evil/)
  })

  it("makes the asker's question inert in an escalation's fallback text, keeping the asker's mention", () => {
    const m = escalationMessage(escalation({ question: '<!channel> read <https://evil.example|this>' }))
    expect(m.text).toBe(
      'Question for the policy team from <@U0ASKER001>: &lt;!channel&gt; read &lt;https://evil.example|this&gt;',
    )
    expect(JSON.stringify(m)).not.toContain('<!channel>')
  })
})
