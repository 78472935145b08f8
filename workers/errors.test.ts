import { describe, expect, it, vi } from 'vitest'
import { logError, messageOf } from './errors'

describe('error text in logs carries nobody’s words', () => {
  it('logs the driver’s message, not the failed query’s parameters, and redacts personal data', () => {
    const driver = new Error('duplicate key value violates unique constraint "questions_pkey"')
    const drizzle = new Error(
      'Failed query: insert into questions (asker, text) values ($1, $2)\nparams: U0ASKER001,my card 4111 1111 1111 1111 was charged',
      { cause: driver },
    )
    expect(messageOf(drizzle)).toBe(driver.message)
    expect(messageOf(new Error('mail to jane.doe@example.com bounced'))).toBe('mail to [email] bounced')
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      logError('could not accept Slack event', drizzle)
      const logged = String(spy.mock.calls[0]?.[0])
      expect(logged).toContain('could not accept Slack event: duplicate key value')
      expect(logged).not.toContain('4111')
      expect(logged).not.toContain('U0ASKER001')
      expect(logged).toMatch(/\n\s+at /)
    } finally {
      spy.mockRestore()
    }
  })
})
