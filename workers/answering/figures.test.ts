import { describe, expect, it } from 'vitest'
import { figuresIn, unsupportedFigures } from './figures'

const values = (text: string, mode: 'claim' | 'evidence' = 'claim') =>
  figuresIn(text, mode).flatMap((f) => f.values)

describe('figuresIn', () => {
  it('reads digits with thousands separators, currency, percentages and multipliers', () => {
    expect(values('$2,000 or 25% within 3 weeks')).toEqual([2000, 25, 3])
    expect(values('a $2k budget')).toEqual([2, 2000])
    expect(values('€1.500 per year')).toEqual([1.5, 1500])
  })

  it('reads English number words, compounds included', () => {
    expect(values('twenty-five days, two hundred and fifty euros, a thousand dollars')).toEqual([
      25, 250, 1000,
    ])
    expect(values('two and three')).toEqual([2, 3])
  })

  it('reads Chinese numerals and percentages', () => {
    expect(values('十五天，百分之二十五，一万五千元，2万元，二〇二六年')).toEqual([
      2, 20000, 15, 25, 15000, 2026,
    ])
  })

  it('takes no citation markers, list numbers, lone "one" or 一-words for claims', () => {
    expect(values('1. You get 20 days [1][2].\n2. No one checks [3, 4].')).toEqual([20])
    expect(values('十分重要，千万不要忘记，一律统一处理，第一步')).toEqual([])
  })

  it('reads ordinal and month words only as evidence', () => {
    expect(values('from the third year until March')).toEqual([])
    expect(values('from the third year until March', 'evidence')).toEqual([3, 3])
  })
})

describe('unsupportedFigures', () => {
  const passage = 'Full-time employees get 20 days of paid annual leave, and 25 days from their third year.'

  it('finds a figure the sources never state', () => {
    expect(unsupportedFigures('You get 100 vacation days [1].', [passage])).toEqual(['100'])
  })

  it('accepts the same figure however it is written', () => {
    expect(
      unsupportedFigures('You get twenty days, a 25-day allowance from your 3rd year [1].', [passage]),
    ).toEqual([])
    expect(
      unsupportedFigures('上海办公室每年15天年假 [1]。', ['上海办公室员工每年享有十五天带薪年假。']),
    ).toEqual([])
    expect(
      unsupportedFigures('Claims over 500 dollars need approval [1].', [
        'Claims over $500 need director approval.',
      ]),
    ).toEqual([])
  })

  it('accepts figures the question itself states', () => {
    expect(
      unsupportedFigures('After two years you get 25 days [1].', [passage, 'What do I get after 2 years?']),
    ).toEqual([])
  })

  it('finds an invented Chinese figure', () => {
    expect(
      unsupportedFigures('每年享有一百天年假 [1]。', ['上海办公室员工每年享有十五天带薪年假。']),
    ).toEqual(['一百'])
  })
})
