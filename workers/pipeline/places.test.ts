import { describe, expect, it } from 'vitest'
import { openPlatforms } from '../../bots/index'
import { retryAdvice } from '../errors'
import type { Services } from '../services'
import { outboxFor } from './places'

describe('outboxFor', () => {
  it('names the missing configuration, and no retry is wasted on it (the job is parked at once)', () => {
    const svc = { platforms: openPlatforms({} as Services) } as Services
    for (const [platform, variable] of [
      ['slack', /SLACK_BOT_TOKEN/],
      ['teams', /TEAMS_APP_ID/],
      ['dingtalk', /DINGTALK_APP_KEY/],
    ] as const) {
      let error: unknown
      try {
        outboxFor(svc, { platform, team: 'T', channel: 'C', threadTs: '1' })
      } catch (e) {
        error = e
      }
      expect(String(error)).toMatch(variable)
      expect(retryAdvice(error)).toEqual({ retryable: false })
    }
  })
})
