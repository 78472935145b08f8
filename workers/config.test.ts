import { describe, expect, it } from 'vitest'
import { ConfigError, workerConfig } from './config'
import type { Env } from './env'

const env = (vars: Record<string, string>) =>
  ({ DATABASE_URL: 'postgres://localhost/x', ...vars }) as unknown as Env

describe('workerConfig', () => {
  it('needs PUBLIC_URL (an origin) for DingTalk approvals, naming it', () => {
    const dingtalk = {
      DINGTALK_APP_KEY: 'k',
      DINGTALK_APP_SECRET: 's',
      DINGTALK_ADMIN_CONVERSATION: 'cidA==',
    }
    expect(() => workerConfig(env(dingtalk))).toThrow(ConfigError)
    expect(() => workerConfig(env(dingtalk))).toThrow(
      /PUBLIC_URL: is needed with DINGTALK_ADMIN_CONVERSATION/,
    )
    expect(() => workerConfig(env({ ...dingtalk, PUBLIC_URL: 'https://bot.example.com/policy' }))).toThrow(
      /PUBLIC_URL: must be an origin/,
    )
    const ok = workerConfig(env({ ...dingtalk, PUBLIC_URL: 'https://bot.example.com/' }))
    expect(ok.dingtalk?.admin).toEqual({ conversation: 'cidA==', consoleUrl: 'https://bot.example.com' })
    expect(ok.dingtalk?.loginUrl).toBe('https://login.dingtalk.com')
  })

  it("needs the Teams bot's tenant (single-tenant, as Azure creates bots), unless a legacy multi-tenant bot says so", () => {
    const teams = { TEAMS_APP_ID: 'app', TEAMS_APP_PASSWORD: 'secret' }
    expect(() => workerConfig(env(teams))).toThrow(/TEAMS_APP_TENANT_ID: is needed with TEAMS_APP_ID/)
    expect(workerConfig(env({ ...teams, TEAMS_APP_TENANT_ID: 'tenant-1' })).teams?.tenant).toBe('tenant-1')
    expect(workerConfig(env({ ...teams, TEAMS_LEGACY_MULTI_TENANT: 'on' })).teams?.tenant).toBe(
      'botframework.com',
    )
  })

  it('counts every listed admin id as a person, and Slack-shaped S… ids also as user groups', () => {
    const c = workerConfig(env({ POLICY_ADMINS: 'U0ADMIN001, Sam01,S0POLICYTEAM' }))
    expect([...c.admins.users]).toEqual(['U0ADMIN001', 'Sam01', 'S0POLICYTEAM'])
    expect(c.admins.groups).toEqual(['S0POLICYTEAM'])
  })
})
