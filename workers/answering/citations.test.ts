import { describe, expect, it } from 'vitest'
import type { Passage } from '../knowledge/search/types'
import { checkCitations, citationLabel, citationOf } from './citations'

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

describe('citationOf', () => {
  const passage = (url: string | null): Passage => ({
    chunkId: 1,
    documentId: 1,
    sourceKind: 'upload',
    sourcePath: 'leave.md',
    title: 'Leave',
    url,
    headingPath: [],
    page: null,
    updatedAt: new Date('2026-01-01'),
    language: 'en',
    text: 'Twenty days.',
    score: 1,
  })

  it('carries a link only where it may be shown as one', () => {
    expect(citationOf(1, passage('javascript:alert(1)')).url).toBeNull()
    expect(citationOf(1, passage('https://x|Click me> <!channel>')).url).toBeNull()
    expect(citationOf(1, passage('https://wiki.example/leave')).url).toBe('https://wiki.example/leave')
  })
})
