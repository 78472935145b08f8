import { describe, expect, it } from 'vitest'
import { seal, unseal } from './signed'

describe('signed tokens', () => {
  it('round-trips, and refuses a tampered, expired, re-purposed or foreign token', async () => {
    const now = 1_800_000_000_000
    const t = await seal('secret', 'session', { user: 'manager4617', nick: '张三' }, 60_000, now)
    expect(await unseal('secret', 'session', t, now + 1)).toMatchObject({ user: 'manager4617', nick: '张三' })
    expect(await unseal('secret', 'session', t, now + 60_001)).toBeUndefined()
    expect(await unseal('secret', 'login', t, now)).toBeUndefined()
    expect(await unseal('other', 'session', t, now)).toBeUndefined()
    const [payload, mac] = t.split('.') as [string, string]
    const forged = btoa(JSON.stringify({ user: 'admin', purpose: 'session', exp: now + 1e9 })).replace(
      /=+$/,
      '',
    )
    expect(await unseal('secret', 'session', `${forged}.${mac}`, now)).toBeUndefined()
    expect(await unseal('secret', 'session', `${payload}.${mac}x`, now)).toBeUndefined()
    expect(await unseal('secret', 'session', `${t}.more`, now)).toBeUndefined()
    expect(await unseal('secret', 'session', undefined, now)).toBeUndefined()
  })
})
