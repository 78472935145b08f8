import { describe, expect, it } from 'vitest'
import { analyze, normalizeAcronyms } from './analyze'

const stems = (t: string) => analyze(t).map((x) => x.stem)

describe('analyze', () => {
  it('stems like Postgres english (Porter2) and drops its stop words', () => {
    expect(stems('The employees are carrying over their vacations')).toEqual(['employe', 'carri', 'vacat'])
  })

  it('keeps "US" and "IT" apart from the pronouns they lower-case into', () => {
    expect(normalizeAcronyms('US teammates and the U.S. office; ask IT')).toBe(
      'USA teammates and the USA office; ask ITdept',
    )
    expect(stems('send it to us')).toEqual(['send', 'us'])
    expect(stems('How are US employees paid?')).toEqual(['usa', 'employe', 'paid'])
  })

  it('reads contractions and informal abbreviations', () => {
    expect(stems("I'm sure we don't get 3 wks in my first yr")).toEqual([
      'sure',
      'get',
      '3',
      'week',
      'first',
      'year',
    ])
  })

  it('segments Chinese into words, dropping function words', () => {
    expect(analyze('上海的年假有几天').map((t) => [t.surface, t.cjk])).toEqual([
      ['上海', true],
      ['年假', true],
      ['有', true],
      ['几天', true],
    ])
  })
})
