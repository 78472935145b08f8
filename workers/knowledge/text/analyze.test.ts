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

  it('indexes Chinese as characters and character bigrams, none across a particle', () => {
    expect(analyze('上海的年假有几天').map((t) => t.surface)).toEqual([
      '上',
      '海',
      '年',
      '假',
      '有',
      '几',
      '天',
      '上海',
      '年假',
      '假有',
      '有几',
      '几天',
    ])
  })

  it('keeps two-character words that ICU splits into characters (病假 → 病 假)', () => {
    expect(analyze('病假工资怎么算', 'query').map((t) => t.surface)).toContain('病假')
    expect(analyze('病假工资', 'index').map((t) => t.surface)).toEqual([
      '病',
      '假',
      '工',
      '资',
      '病假',
      '假工',
      '工资',
    ])
  })

  it('asks Chinese questions by their meaningful words; characters and bridging bigrams only rank', () => {
    const asked = analyze('上海的年假有几天', 'query').filter((t) => !t.auxiliary)
    expect(asked.map((t) => t.surface)).toEqual(['上海', '年假'])
  })
})
