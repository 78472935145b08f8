import { describe, expect, it } from 'vitest'
import { listed, platformOfBareId } from './admins'

describe('admin ids are namespaced per platform', () => {
  it('reads a bare id by its shape, and counts it only on that platform', () => {
    expect(platformOfBareId('U0ADMIN001')).toBe('slack')
    expect(platformOfBareId('a0d4f6e8-1b2c-4d3e-8f9a-0b1c2d3e4f5a')).toBe('teams')
    expect(platformOfBareId('alice@example.com')).toBe('web')
    expect(platformOfBareId('boss001')).toBe('dingtalk')
    const admins = ['U0ADMIN001', 'boss001', 'alice@example.com']
    expect(listed(admins, { platform: 'slack', user: 'U0ADMIN001' })).toBe(true)
    expect(listed(admins, { platform: 'dingtalk', user: 'U0ADMIN001' })).toBe(false)
    expect(listed(admins, { platform: 'teams', user: 'U0ADMIN001' })).toBe(false)
    expect(listed(admins, { platform: 'dingtalk', user: 'boss001' })).toBe(true)
    expect(listed(admins, { platform: 'slack', user: 'boss001' })).toBe(false)
    expect(listed(admins, { platform: 'web', user: 'Alice@Example.com' })).toBe(true)
  })

  it('takes an explicit platform prefix over the shape', () => {
    const admins = ['dingtalk:U0LOOKS01', 'slack:W0ENTERPRISE', 'teams:8:orgid:xyz']
    expect(listed(admins, { platform: 'dingtalk', user: 'U0LOOKS01' })).toBe(true)
    expect(listed(admins, { platform: 'slack', user: 'U0LOOKS01' })).toBe(false)
    expect(listed(admins, { platform: 'slack', user: 'W0ENTERPRISE' })).toBe(true)
    expect(listed(admins, { platform: 'teams', user: '8:orgid:xyz' })).toBe(true)
  })
})
