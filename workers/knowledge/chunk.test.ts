import { describe, expect, it } from 'vitest'
import { chunkDocument, textSize } from './chunk'
import type { Block, ParsedDocument } from './parse'

const doc = (blocks: Block[], overrides: Partial<ParsedDocument> = {}): ParsedDocument => ({
  title: 'Handbook',
  format: 'markdown',
  blocks,
  language: 'en',
  metadata: {},
  ...overrides,
})

const sentence = (i: number) =>
  `Sentence number ${i} explains one more rule about annual leave in plain words.`

describe('chunkDocument', () => {
  it('keeps the heading path on every chunk and never crosses a heading', () => {
    const chunks = chunkDocument(
      doc([
        { kind: 'heading', level: 1, text: 'Handbook' },
        { kind: 'paragraph', text: 'Intro text.' },
        { kind: 'heading', level: 2, text: 'Leave' },
        { kind: 'heading', level: 3, text: 'Vacation' },
        { kind: 'paragraph', text: 'You get 20 days.' },
        { kind: 'heading', level: 3, text: 'Sick leave' },
        { kind: 'paragraph', text: 'Tell your manager.' },
        { kind: 'heading', level: 2, text: 'Pay' },
        { kind: 'paragraph', text: 'Paid monthly.' },
      ]),
    )
    expect(chunks.map((c) => [c.headingPath, c.text])).toEqual([
      [[], 'Intro text.'],
      [['Leave', 'Vacation'], 'You get 20 days.'],
      [['Leave', 'Sick leave'], 'Tell your manager.'],
      [['Pay'], 'Paid monthly.'],
    ])
    expect(chunks.map((c) => c.ordinal)).toEqual([0, 1, 2, 3])
  })

  it('cuts a long paragraph only between sentences, within the size bounds', () => {
    const text = Array.from({ length: 60 }, (_, i) => sentence(i)).join(' ')
    const chunks = chunkDocument(doc([{ kind: 'paragraph', text }]))
    expect(chunks.length).toBeGreaterThan(3)
    for (const c of chunks) {
      expect(c.text).toMatch(/^Sentence number \d+ .*in plain words\.$/s)
      expect(textSize(c.text)).toBeLessThanOrEqual(1600)
    }
    expect(
      chunks
        .map((c) => c.text)
        .join(' ')
        .replace(/\n\n/g, ' '),
    ).toBe(text)
  })

  it('cuts Chinese text at 。！？', () => {
    const text = Array.from(
      { length: 40 },
      (_, i) => `第${i}条：员工每年享有十五天带薪年假，未使用的年假可以结转到下一年第一季度。`,
    ).join('')
    const chunks = chunkDocument(doc([{ kind: 'paragraph', text }], { language: 'zh' }))
    expect(chunks.length).toBeGreaterThan(1)
    for (const c of chunks) expect(c.text.replace(/\n\n/g, '')).toMatch(/^第\d+条.*。$/)
  })

  it('never cuts a list item or a table row, and repeats the table header', () => {
    const items = Array.from({ length: 40 }, (_, i) => `- Item ${i}: ${'detail '.repeat(8)}end.`)
    const rows = Array.from(
      { length: 60 },
      (_, i) => `| Office ${i} | ${i + 20} days | Notes about office ${i} |`,
    )
    const chunks = chunkDocument(
      doc([
        { kind: 'heading', level: 2, text: 'Lists' },
        { kind: 'list', items },
        { kind: 'heading', level: 2, text: 'Tables' },
        { kind: 'table', header: '| Office | Days | Notes |', rows },
      ]),
    )
    const listText = chunks.filter((c) => c.headingPath[0] === 'Lists').map((c) => c.text)
    expect(listText.length).toBeGreaterThan(1)
    expect(listText.join('\n\n').split('\n\n')).toEqual(items)
    const tableChunks = chunks.filter((c) => c.headingPath[0] === 'Tables')
    expect(tableChunks.length).toBeGreaterThan(1)
    const seen: string[] = []
    for (const c of tableChunks) {
      for (const part of c.text.split('\n\n')) {
        const [header, ...body] = part.split('\n')
        expect(header).toBe('| Office | Days | Notes |')
        seen.push(...body)
      }
    }
    expect(seen).toEqual(rows)
  })

  it('keeps the page of the first block of each chunk', () => {
    const chunks = chunkDocument(
      doc([
        { kind: 'heading', level: 2, text: 'A', page: 1 },
        { kind: 'paragraph', text: 'On page one.', page: 1 },
        { kind: 'heading', level: 2, text: 'B', page: 2 },
        { kind: 'paragraph', text: 'On page two.', page: 2 },
      ]),
    )
    expect(chunks.map((c) => c.page)).toEqual([1, 2])
  })

  it('cuts a list item longer than a chunk between its nested items, repeating its lead', () => {
    const nested = Array.from(
      { length: 40 },
      (_, i) => `  - Office ${i}: staff get ${i + 10} days of leave a year.`,
    )
    const item = ['- Leave by office:', ...nested].join('\n')
    const chunks = chunkDocument({
      title: 'T',
      format: 'markdown',
      language: 'en',
      metadata: {},
      blocks: [
        { kind: 'heading', level: 2, text: 'Offices' },
        { kind: 'list', items: [item] },
      ],
    })
    expect(chunks.length).toBeGreaterThan(1)
    for (const c of chunks) {
      expect(textSize(c.text)).toBeLessThanOrEqual(1600)
      expect(c.text.startsWith('- Leave by office:')).toBe(true)
    }
    expect(chunks.map((c) => c.text).join('\n')).toContain('Office 39: staff get 49 days')
  })
})
