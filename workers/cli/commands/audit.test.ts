import { describe, expect, it } from 'vitest'
import type { AuditRow } from '../../audit/log'
import { auditFilter, renderAuditRow } from './audit'

const row = (over: Partial<AuditRow> = {}): AuditRow => ({
  id: 7,
  at: new Date('2026-12-01T09:30:00.123Z'),
  actor: 'slack:U0ADMIN001',
  action: 'decide',
  subject: 'escalation:5',
  before: null,
  after: null,
  detail: {},
  ...over,
})

describe('policybot audit rendering', () => {
  it('prints one line per row, and the texts before and after below it', () => {
    expect(renderAuditRow(row({ before: 'Draft.', after: 'Better.', detail: { decision: 'edit' } }))).toBe(
      '2026-12-01T09:30:00Z  #7  slack:U0ADMIN001  decide  escalation:5  {"decision":"edit"}\n' +
        '    before: "Draft."\n' +
        '    after:  "Better."',
    )
  })

  it('cannot be made to forge a line or drive the terminal by what someone typed', () => {
    const out = renderAuditRow(
      row({
        after: 'ok\n2026-12-01T00:00:00Z  #1  web:boss  decide\u001b[2J\u009b31m\u202e',
        detail: { t: '\u0085' },
      }),
    )
    expect(out.split('\n')).toHaveLength(2)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/)
    expect(out).toContain('\\u001b[2J\\u009b31m\\u202e')
  })

  it('cuts long texts (the JSON output has them whole)', () => {
    expect(renderAuditRow(row({ before: 'x'.repeat(500) }))).toContain(`"${'x'.repeat(200)}…"`)
  })

  it('names the option that is wrong', () => {
    expect(() => auditFilter({ since: 'tuesday' })).toThrow(/--since must be a date/)
    expect(() => auditFilter({ limit: '1e9' })).toThrow(/--limit must be a whole number from 1 to 10000/)
    expect(auditFilter({ since: '2026-12-01', actor: 'slack', action: 'decide', limit: '5' })).toEqual({
      since: new Date('2026-12-01T00:00:00Z'),
      actor: 'slack',
      action: 'decide',
      limit: 5,
    })
  })
})
