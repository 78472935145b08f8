import { describe, expect, it } from 'vitest'
import { workerConfig } from '../config'
import type { Env } from '../env'
import { PolicybotError } from '../errors'
import type { Platform } from '../platform'
import type { Services } from '../services'
import { type AskedBy, audiencesOf } from './resolve'

/** Services with AUDIENCES and one platform whose directory answers `groupsOf`. */
function services(audiences: string, groupsOf?: Platform['groupsOf']) {
  const warnings: string[] = []
  const asked: string[][] = []
  const platform = {
    name: 'dingtalk',
    ...(groupsOf
      ? {
          groupsOf: (user: string, candidates: readonly string[], team: string) => {
            asked.push([...candidates])
            return groupsOf(user, candidates, team)
          },
        }
      : {}),
  } as unknown as Platform
  const svc = {
    config: workerConfig({ DATABASE_URL: 'postgres://localhost/x', AUDIENCES: audiences } as unknown as Env),
    platforms: { get: (name: string) => (name === 'dingtalk' ? platform : undefined) },
    warn: (m: string) => warnings.push(m),
  } as unknown as Services
  return { svc, warnings, asked }
}

const q = (over: Partial<AskedBy>): AskedBy => ({
  platform: 'slack',
  team: 'T0POLICY01',
  channel: 'D0ASKER001',
  asker: 'U0ASKER001',
  trigger: 'dm',
  ...over,
})

describe('audiencesOf', () => {
  it('gives a person’s audiences (user, workspace) in a private chat only, and a place’s to everyone there', async () => {
    const { svc } = services(
      'hr = slack:user:U0ASKER001; staff = slack:team:T0POLICY01; managers = slack:channel:C0MANAGERS',
    )
    expect(await audiencesOf(svc, q({}))).toEqual(['hr', 'staff'])
    expect(await audiencesOf(svc, q({ trigger: 'command' }))).toEqual(['hr', 'staff'])
    expect(await audiencesOf(svc, q({ trigger: 'mention', channel: 'C0GENERAL01' }))).toEqual([])
    expect(await audiencesOf(svc, q({ trigger: 'thread', channel: 'C0MANAGERS' }))).toEqual(['managers'])
    expect(await audiencesOf(svc, q({ platform: 'teams' }))).toEqual([])
  })

  it('matches console users without case, and Teams channels without their thread suffix', async () => {
    const { svc } = services('hr = web:user:HR-Lead@acme.com; it = teams:channel:19:abc@thread.tacv2')
    expect(await audiencesOf(svc, q({ platform: 'web', trigger: 'web', asker: 'hr-lead@ACME.com' }))).toEqual(
      ['hr'],
    )
    expect(
      await audiencesOf(
        svc,
        q({ platform: 'teams', trigger: 'mention', channel: '19:abc@thread.tacv2;messageid=1764158700000' }),
      ),
    ).toEqual(['it'])
  })

  it('asks the directory only for audiences not granted already, and only in a private chat', async () => {
    const { svc, asked } = services(
      'managers = dingtalk:dept:4021 dingtalk:user:boss; sh = dingtalk:dept:5001',
      async (_u, c) => c.filter((d) => d === '5001'),
    )
    expect(await audiencesOf(svc, q({ platform: 'dingtalk', asker: 'boss' }))).toEqual(['managers', 'sh'])
    expect(asked).toEqual([['5001']])
    expect(
      await audiencesOf(svc, q({ platform: 'dingtalk', trigger: 'mention', channel: 'cidG==' })),
    ).toEqual([])
    expect(asked).toHaveLength(1)
  })

  it('counts a directory that refuses as no membership (fewer documents, never more), and retries one that is down', async () => {
    const refused = services('managers = dingtalk:dept:4021', async () => {
      throw new PolicybotError('PLATFORM_ERROR', 'errcode 60011 no permission', { retryable: false })
    })
    expect(await audiencesOf(refused.svc, q({ platform: 'dingtalk' }))).toEqual([])
    expect(refused.warnings.join()).toMatch(/directory could not be read/)
    const down = services('managers = dingtalk:dept:4021', async () => {
      throw new PolicybotError('PLATFORM_ERROR', 'HTTP 503', { retryable: true })
    })
    await expect(audiencesOf(down.svc, q({ platform: 'dingtalk' }))).rejects.toThrow(/503/)
  })

  it('gives nothing without AUDIENCES: documents for everyone only', async () => {
    expect(await audiencesOf(services('').svc, q({}))).toEqual([])
  })
})
