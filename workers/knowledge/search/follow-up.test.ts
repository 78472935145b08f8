import { describe, expect, it } from 'vitest'
import { isFollowUp, previousTopic } from './follow-up'

const asked = (q: string) => [
  { role: 'user' as const, content: q },
  { role: 'assistant' as const, content: 'An answer.' },
]

describe('follow-up questions', () => {
  it('are recognised by connectives, pronouns and brevity', () => {
    const h = asked('How many vacation days do I get after two years?')
    expect(isFollowUp('and do they carry over?', h)).toBe(true)
    expect(isFollowUp('What about in Berlin?', h)).toBe(true)
    expect(isFollowUp('Is it paid?', h)).toBe(true)
    expect(isFollowUp('那上海呢？', h)).toBe(true)
    expect(isFollowUp('How do I reset my laptop password when I am travelling abroad?', h)).toBe(false)
  })

  it('need a previous question', () => {
    expect(isFollowUp('and do they carry over?', [])).toBe(false)
  })

  it('keep the topic of the first question across a chain', () => {
    const history = [...asked('How many vacation days do I get?'), ...asked('and do they carry over?')]
    expect(previousTopic(history)).toBe('and do they carry over? How many vacation days do I get?')
  })
})
