import { describe, expect, it } from 'vitest'
import { decisionOf } from './escalations'

describe('decisionOf', () => {
  it('reads Approve with a changed text as an edit, and refuses to approve nothing', () => {
    expect(decisionOf('Draft.', 'a', 'approve', {})).toEqual({ status: 'approved', by: 'a' })
    expect(decisionOf('Draft.', 'a', 'approve', { answer: ' Draft. ' })).toEqual({
      status: 'approved',
      by: 'a',
    })
    expect(decisionOf('Draft.', 'a', 'approve', { answer: 'Better.' })).toEqual({
      status: 'edited',
      by: 'a',
      answer: 'Better.',
    })
    expect(decisionOf(null, 'a', 'approve', { answer: '  ' })).toBe('needs_answer')
    expect(decisionOf(null, 'a', 'reject', { reason: ' not policy ' })).toEqual({
      status: 'rejected',
      by: 'a',
      reason: 'not policy',
    })
    expect(decisionOf('Draft.', 'a', 'reject', { reason: '' })).toEqual({
      status: 'rejected',
      by: 'a',
      reason: null,
    })
  })
})
