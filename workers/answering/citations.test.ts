import { describe, expect, it } from 'vitest'
import { checkCitations, citationLabel } from './citations'

describe('checkCitations', () => {
  it('keeps valid markers, drops invented ones and reports both', () => {
    const r = checkCitations('You get 20 days [1]. Berlin gets 28 [2, 7]. Unused days expire [9].', 2)
    expect(r.text).toBe('You get 20 days [1]. Berlin gets 28 [2]. Unused days expire.')
    expect(r.cited).toEqual([1, 2])
    expect(r.invalid).toEqual([7, 9])
  })

  it('finds no citation in an answer without markers', () => {
    expect(checkCitations('You get 20 days.', 3).cited).toEqual([])
  })
})

describe('citationLabel', () => {
  it('shows title, section path, page and date', () => {
    expect(
      citationLabel({
        n: 1,
        documentId: 1,
        title: 'Travel Policy',
        sourcePath: 't.pdf',
        headingPath: ['Flights'],
        url: null,
        page: 3,
        updated: '2026-01-15',
      }),
    ).toBe('Travel Policy › Flights (p. 3, updated 2026-01-15)')
  })
})
