import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx'
import type { DocBlock } from './pdf'

const HEADINGS = { 1: HeadingLevel.HEADING_1, 2: HeadingLevel.HEADING_2, 3: HeadingLevel.HEADING_3 } as const

/**
 * Renders blocks into a real Word document (the `docx` package): heading styles, paragraphs,
 * bulleted list paragraphs and a table. Used by tests and by the sample handbook build.
 */
export async function makeDocx(blocks: DocBlock[], options: { title?: string } = {}): Promise<Uint8Array> {
  const children: (Paragraph | Table)[] = []
  if (options.title) children.push(new Paragraph({ text: options.title, heading: HeadingLevel.TITLE }))
  for (const b of blocks) {
    if ('pageBreak' in b) children.push(new Paragraph({ children: [], pageBreakBefore: true }))
    else if ('h' in b) children.push(new Paragraph({ text: b.text, heading: HEADINGS[b.h] }))
    else if ('p' in b) children.push(new Paragraph({ children: [new TextRun(b.p)] }))
    else if ('ul' in b)
      for (const item of b.ul) children.push(new Paragraph({ text: item, bullet: { level: 0 } }))
    else {
      children.push(
        new Table({
          rows: b.table.map(
            (row, i) =>
              new TableRow({
                tableHeader: i === 0,
                children: row.map((cell) => new TableCell({ children: [new Paragraph(cell)] })),
              }),
          ),
        }),
      )
    }
  }
  const doc = new Document({ ...(options.title ? { title: options.title } : {}), sections: [{ children }] })
  return new Uint8Array(await Packer.toBuffer(doc))
}

/** Bytes shaped like an Office password-protected document: an OLE file with an EncryptedPackage stream name. */
export function makeEncryptedOfficeFile(): Uint8Array {
  const bytes = new Uint8Array(4096)
  bytes.set([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])
  const name = new Uint8Array(Buffer.from('EncryptedPackage', 'utf16le'))
  bytes.set(name, 1024)
  return bytes
}
