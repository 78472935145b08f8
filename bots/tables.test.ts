import { describe, expect, it } from 'vitest'
import { flattenTables } from './tables'

describe('flattenTables', () => {
  it('turns quoted table rows into header: value lines, the header once', () => {
    const text = [
      '> New Seattle employees start with 20 days.',
      '> | Completed years of service | Annual leave per year |',
      '> | 0–2 years | 20 days |',
      '> | Completed years of service | Annual leave per year |',
      '> | 3–5 years | 23 days | [1]',
    ].join('\n')
    expect(flattenTables(text)).toBe(
      [
        '> New Seattle employees start with 20 days.',
        '> • Completed years of service: 0–2 years · Annual leave per year: 20 days',
        '> • Completed years of service: 3–5 years · Annual leave per year: 23 days [1]',
      ].join('\n'),
    )
  })

  it('drops the separator row of a Markdown table and leaves other text alone', () => {
    expect(
      flattenTables('Rates:\n| City | Hotel cap |\n|---|---:|\n| Berlin | EUR 150 |\nThat is all.'),
    ).toBe('Rates:\n• City: Berlin · Hotel cap: EUR 150\nThat is all.')
  })

  it('keeps a lone header row as its cells', () => {
    expect(flattenTables('| When | What |\nnext')).toBe('When · What\nnext')
  })
})
