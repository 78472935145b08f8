import { describe, expect, it } from 'vitest'
import { workerConfig } from '../config'
import type { Env } from '../env'
import { isPlaceKind, parseAudienceRules } from './rules'

describe('AUDIENCES', () => {
  it('reads one audience per line or per semicolon, members by platform, kind and id', () => {
    const rules = parseAudienceRules(`
      Managers = slack:group:S0MGRS, slack:channel:C0MGRS teams:group:6f1c2d3e-0000-4000-8000-000000000001
      # HR's own pages
      hr = web:user:hr-lead@acme.com; shanghai = dingtalk:dept:4021 dingtalk:conversation:cid6KeBBLoveMJOGXoYKF5x7EeiodoA==
    `)
    expect(rules.map((r) => r.name)).toEqual(['managers', 'hr', 'shanghai'])
    expect(rules[0]?.members).toEqual([
      { platform: 'slack', kind: 'group', id: 'S0MGRS' },
      { platform: 'slack', kind: 'channel', id: 'C0MGRS' },
      { platform: 'teams', kind: 'group', id: '6f1c2d3e-0000-4000-8000-000000000001' },
    ])
    expect(rules[2]?.members.map(isPlaceKind)).toEqual([false, true])
  })

  it('names the bad entry: a kind the platform lacks, a missing "=", an empty audience, "everyone"', () => {
    expect(() => parseAudienceRules('managers = slack:dept:4021')).toThrow(
      /"slack:dept:4021" in audience "managers": slack has user, group, team, channel, not dept/,
    )
    expect(() => parseAudienceRules('slack:user:U1')).toThrow(/is not "audience = platform:kind:id …"/)
    expect(() => parseAudienceRules('managers =')).toThrow(/audience "managers" names no members/)
    expect(() => parseAudienceRules('everyone = slack:team:T1')).toThrow(/means everyone/)
    expect(() => parseAudienceRules('managers = U0MANAGER1')).toThrow(/is not platform:kind:id/)
  })

  it('is checked with the rest of the configuration, naming the variable', () => {
    const env = (v: string) => ({ DATABASE_URL: 'postgres://localhost/x', AUDIENCES: v }) as unknown as Env
    expect(() => workerConfig(env('managers = teams:channel'))).toThrow(/AUDIENCES: .*not platform:kind:id/)
    expect(workerConfig(env('managers = slack:user:U1')).audiences).toHaveLength(1)
    expect(workerConfig({ DATABASE_URL: 'postgres://localhost/x' } as unknown as Env).audiences).toEqual([])
  })
})
