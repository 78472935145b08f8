import { describe, expect, it } from 'vitest'
import { markdownMarkup } from '../bots/markdown'
import { slackMarkup } from '../bots/slack/platform'
import { rejectionText, uploadReportText } from './messages'

describe('rejectionText', () => {
  it("makes the admin's note inert in each sink and keeps it plain for the ledger", () => {
    const note = '<!channel> see <https://evil.example|the policy> **now**'
    const slack = rejectionText('en', note, slackMarkup)
    expect(slack).not.toContain('<!channel>')
    expect(slack).toContain('&lt;!channel&gt; see &lt;https://evil.example|the policy&gt;')
    expect(rejectionText('zh', note, markdownMarkup)).toContain('&lt;!channel&gt;')
    expect(rejectionText('zh', note, markdownMarkup)).toContain('\\*\\*now\\*\\*')
    expect(rejectionText('en', note)).toContain(note)
    expect(rejectionText('en', null, slackMarkup)).not.toContain('Their note')
  })
})

describe('uploadReportText', () => {
  const file = '<!channel>*bold*<https://evil.example|x>.pdf'
  const outcomes = [
    { file, ok: true as const, title: '<@U123> Leave', what: '2 sections, 3 passages', status: 'new' },
    { file, ok: false as const, why: `${file} is not a PDF` },
  ]

  it('makes file names, titles and reasons inert in Slack: no mention, no link', () => {
    const slack = uploadReportText(outcomes, slackMarkup)
    expect(slack.split('\n')[0]).toBe(
      '✅ *&lt;!channel&gt;*bold*&lt;https://evil.example|x&gt;.pdf* — “&lt;@U123&gt; Leave”: 2 sections, 3 passages; new. It is answerable now.',
    )
    expect(slack).not.toMatch(/<!channel>|<@U123>|<https:/)
  })

  it('makes them inert in Markdown (Teams, DingTalk): no emphasis, link or HTML', () => {
    const md = uploadReportText(outcomes, markdownMarkup)
    expect(md.split('\n')[1]).toBe(
      '❌ **&lt;!channel&gt;\\*bold\\*&lt;https://evil.example\\|x&gt;.pdf**: &lt;!channel&gt;\\*bold\\*&lt;https://evil.example\\|x&gt;.pdf is not a PDF. Nothing was stored.',
    )
  })
})
