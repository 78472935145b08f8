import { describe, expect, it } from 'vitest'
import { markdownMarkup } from '../bots/markdown'
import { slackMarkup } from '../bots/slack/platform'
import { rejectionText } from './messages'

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
