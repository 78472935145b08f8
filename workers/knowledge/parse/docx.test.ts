import { describe, expect, it } from 'vitest'
import { makeDocx } from '../../../test/helpers/docx'
import { parseDocx } from './docx'

describe('parseDocx', () => {
  it('maps Word heading styles, bullets and tables to structure', async () => {
    const bytes = await makeDocx(
      [
        { h: 1, text: 'Benefits' },
        { p: 'Northwind pays 90% of the premium for employees.' },
        { h: 2, text: 'Plans' },
        {
          table: [
            ['Plan', 'Monthly premium'],
            ['Bronze', '$40'],
            ['Gold', '$120'],
          ],
        },
        { ul: ['Dental is included.', 'Vision is optional.'] },
      ],
      { title: 'Benefits Guide 2026' },
    )
    const doc = await parseDocx(bytes, 'benefits.docx')
    expect(doc.title).toBe('Benefits Guide 2026')
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Benefits Guide 2026' },
      { kind: 'heading', level: 1, text: 'Benefits' },
      { kind: 'paragraph', text: 'Northwind pays 90% of the premium for employees.' },
      { kind: 'heading', level: 2, text: 'Plans' },
      { kind: 'table', header: '| Plan | Monthly premium |', rows: ['| Bronze | $40 |', '| Gold | $120 |'] },
      { kind: 'list', items: ['- Dental is included.', '- Vision is optional.'] },
    ])
  })

  it('rejects a damaged DOCX with a message naming the file', async () => {
    const bytes = await makeDocx([{ p: 'Hello' }])
    await expect(parseDocx(bytes.subarray(0, bytes.byteLength - 200), 'broken.docx')).rejects.toMatchObject({
      code: 'FILE_CORRUPT',
      message: expect.stringContaining('broken.docx: not a readable DOCX file'),
    })
  })
})
