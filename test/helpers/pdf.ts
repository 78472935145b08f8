import { PDFDocument, rgb, StandardFonts } from 'pdf-lib'

/** A block of a test document, rendered by `makePdf` / `makeDocx`. */
export type DocBlock =
  | { h: 1 | 2 | 3; text: string }
  | { p: string }
  | { ul: string[] }
  | { table: string[][] }
  | { pageBreak: true }

export interface MakePdfOptions {
  title?: string
  /** Printed at the bottom of every page with the page number (a running footer). */
  footer?: string
}

/**
 * Renders blocks into a real PDF with a text layer (pdf-lib, standard fonts): headings in larger
 * bold type, wrapped paragraphs, bulleted lists, tables in columns, a running footer and page
 * numbers. Used by tests and by the sample handbook build.
 */
export async function makePdf(blocks: DocBlock[], options: MakePdfOptions = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create()
  if (options.title) doc.setTitle(options.title)
  doc.setModificationDate(new Date('2026-01-15T00:00:00Z'))
  const body = await doc.embedFont(StandardFonts.Helvetica)
  const bold = await doc.embedFont(StandardFonts.HelveticaBold)
  const width = 595
  const height = 842
  const margin = 60
  let page = doc.addPage([width, height])
  let y = height - margin
  const pages = [page]
  const newPage = () => {
    page = doc.addPage([width, height])
    pages.push(page)
    y = height - margin
  }
  const ensure = (space: number) => {
    if (y - space < margin + 30) newPage()
  }
  const wrap = (text: string, size: number, font = body, max = width - 2 * margin) => {
    const out: string[] = []
    let line = ''
    for (const word of text.split(/\s+/)) {
      const next = line ? `${line} ${word}` : word
      if (font.widthOfTextAtSize(next, size) > max && line) {
        out.push(line)
        line = word
      } else line = next
    }
    if (line) out.push(line)
    return out
  }
  for (const b of blocks) {
    if ('pageBreak' in b) newPage()
    else if ('h' in b) {
      const size = b.h === 1 ? 20 : b.h === 2 ? 15 : 12.5
      ensure(size * 3)
      y -= size * 0.8
      page.drawText(b.text, { x: margin, y, size, font: bold })
      y -= size * 1.2
    } else if ('p' in b) {
      for (const line of wrap(b.p, 10.5)) {
        ensure(14)
        page.drawText(line, { x: margin, y, size: 10.5, font: body })
        y -= 13.5
      }
      y -= 9
    } else if ('ul' in b) {
      for (const item of b.ul) {
        const lines = wrap(item, 10.5, body, width - 2 * margin - 16)
        lines.forEach((line, i) => {
          ensure(14)
          if (i === 0) page.drawText('-', { x: margin + 2, y, size: 10.5, font: body })
          page.drawText(line, { x: margin + 16, y, size: 10.5, font: body })
          y -= 13.5
        })
      }
      y -= 9
    } else {
      const cols = Math.max(...b.table.map((r) => r.length))
      const colWidth = (width - 2 * margin) / cols
      b.table.forEach((row, i) => {
        ensure(16)
        row.forEach((cell, c) => {
          page.drawText(cell, { x: margin + c * colWidth, y, size: 10.5, font: i === 0 ? bold : body })
        })
        y -= 15
      })
      y -= 9
    }
  }
  if (options.footer) {
    pages.forEach((p, i) => {
      p.drawText(`${options.footer}`, { x: margin, y: 30, size: 8, font: body, color: rgb(0.4, 0.4, 0.4) })
      p.drawText(`Page ${i + 1} of ${pages.length}`, { x: width - margin - 60, y: 30, size: 8, font: body })
    })
  }
  return doc.save()
}

/**
 * A minimal PDF protected with a user password (Standard security handler, RC4 128-bit, whose
 * /U entry does not match the empty password), so a reader must ask for the password.
 */
export function makeEncryptedPdf(): Uint8Array {
  const hex = (n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => ((i * 37 + seed * 11) % 256).toString(16).padStart(2, '0')).join('')
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    `<< /Filter /Standard /V 2 /R 3 /Length 128 /P -1068 /O <${hex(32, 1)}> /U <${hex(32, 2)}> >>`,
  ]
  let body = '%PDF-1.6\n'
  const offsets: number[] = []
  objects.forEach((o, i) => {
    offsets.push(body.length)
    body += `${i + 1} 0 obj\n${o}\nendobj\n`
  })
  const xref = body.length
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n \n`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<${hex(16, 3)}> <${hex(16, 3)}>] >>\nstartxref\n${xref}\n%%EOF\n`
  return new TextEncoder().encode(body)
}
