import { describe, expect, it } from 'vitest'
import { makeEncryptedPdf, makePdf } from '../../../test/helpers/pdf'
import { parsePdf } from './pdf'

describe('parsePdf', () => {
  it('rebuilds headings, paragraphs, lists and tables with page numbers, without running footers', async () => {
    const bytes = await makePdf(
      [
        { h: 1, text: 'Travel Policy' },
        {
          p: 'Employees book all business travel through the travel portal at least fourteen days before departure so that fares stay low.',
        },
        { h: 2, text: 'Per diem' },
        {
          table: [
            ['City', 'Meals', 'Hotel'],
            ['Seattle', '$75', '$260'],
            ['Berlin', '€60', '€180'],
          ],
        },
        { pageBreak: true },
        { h: 2, text: 'Flights' },
        { ul: ['Economy class under six hours.', 'Premium economy above six hours with approval.'] },
      ],
      { title: 'Northwind Travel Policy', footer: 'Northwind Robotics — Internal' },
    )
    const doc = await parsePdf(bytes, 'travel.pdf')
    expect(doc.title).toBe('Northwind Travel Policy')
    expect(doc.pageCount).toBe(2)
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Travel Policy', page: 1 },
      {
        kind: 'paragraph',
        text: 'Employees book all business travel through the travel portal at least fourteen days before departure so that fares stay low.',
        page: 1,
      },
      { kind: 'heading', level: 2, text: 'Per diem', page: 1 },
      {
        kind: 'table',
        header: '| City | Meals | Hotel |',
        rows: ['| Seattle | $75 | $260 |', '| Berlin | €60 | €180 |'],
        page: 1,
      },
      { kind: 'heading', level: 2, text: 'Flights', page: 2 },
      {
        kind: 'list',
        items: ['- Economy class under six hours.', '- Premium economy above six hours with approval.'],
        page: 2,
      },
    ])
  })

  it('rejects a password-protected PDF with a message naming the file', async () => {
    await expect(parsePdf(makeEncryptedPdf(), 'secret.pdf')).rejects.toMatchObject({
      code: 'FILE_ENCRYPTED',
      message: expect.stringContaining('secret.pdf: the PDF is password-protected'),
    })
  })

  it('rejects a truncated PDF as corrupt', async () => {
    const bytes = await makePdf([{ p: 'Hello.' }])
    await expect(parsePdf(bytes.subarray(0, 300), 'broken.pdf')).rejects.toMatchObject({
      code: 'FILE_CORRUPT',
      message: expect.stringContaining('broken.pdf'),
    })
  })

  it('says so when a PDF has no text layer', async () => {
    const bytes = await makePdf([{ pageBreak: true }])
    await expect(parsePdf(bytes, 'scan.pdf')).rejects.toMatchObject({ code: 'FILE_NO_TEXT' })
  })
})
