import { describe, expect, it } from 'vitest'
import { makeEncryptedOfficeFile } from '../../../test/helpers/docx'
import { parseFile } from './index'

const text = (s: string) => new TextEncoder().encode(s)
const MB = 1024 * 1024

describe('parseFile checks every file before parsing it', () => {
  it('rejects a file over the size limit, naming the file and the limit', async () => {
    await expect(
      parseFile({ name: 'big.md', bytes: new Uint8Array(3 * MB), maxBytes: 2 * MB }),
    ).rejects.toMatchObject({
      code: 'FILE_TOO_LARGE',
      message:
        'big.md: 3.0 MB is over the 2.0 MB limit (raise it with --max-file-mb or POLICYBOT_MAX_FILE_MB).',
    })
  })

  it('rejects an empty file and a file with no text', async () => {
    await expect(
      parseFile({ name: 'empty.md', bytes: new Uint8Array(0), maxBytes: MB }),
    ).rejects.toMatchObject({
      code: 'FILE_EMPTY',
      message: 'empty.md: the file is empty.',
    })
    await expect(
      parseFile({ name: 'blank.md', bytes: text('---\ntitle: x\n---\n\n  \n'), maxBytes: MB }),
    ).rejects.toMatchObject({
      code: 'FILE_EMPTY',
      message: 'blank.md: the file contains no text.',
    })
  })

  it('rejects binary content behind a text extension', async () => {
    const png = new Uint8Array([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
    ])
    await expect(parseFile({ name: 'logo.md', bytes: png, maxBytes: MB })).rejects.toMatchObject({
      code: 'FILE_BINARY',
    })
  })

  it('drops a stray NUL in a real page instead of refusing the page', async () => {
    const bytes = text(
      '# PTO\n\nTake the time you need for your mental health.\u0000\n\n## Then what?\n\nTell your manager.\n',
    )
    const doc = await parseFile({ name: 'pto-guide.md', bytes, maxBytes: MB })
    const all = JSON.stringify(doc)
    expect(all).toContain('mental health.')
    expect(all).toContain('Tell your manager.')
    expect(all).not.toContain('\\u0000')
  })

  it('rejects a .pdf that is not a PDF and a .docx that is not a DOCX', async () => {
    await expect(
      parseFile({ name: 'fake.pdf', bytes: text('<html>hello</html>'), maxBytes: MB }),
    ).rejects.toMatchObject({
      code: 'FILE_CORRUPT',
      message: 'fake.pdf: not a PDF file (no %PDF- header).',
    })
    await expect(parseFile({ name: 'fake.docx', bytes: text('hello'), maxBytes: MB })).rejects.toMatchObject({
      code: 'FILE_CORRUPT',
      message: 'fake.docx: not a DOCX file (not a ZIP package).',
    })
  })

  it('recognises a password-protected Word document', async () => {
    await expect(
      parseFile({ name: 'locked.docx', bytes: makeEncryptedOfficeFile(), maxBytes: MB }),
    ).rejects.toMatchObject({
      code: 'FILE_ENCRYPTED',
      message: expect.stringContaining('locked.docx'),
    })
  })

  it('rejects unsupported types with the list of supported ones', async () => {
    await expect(parseFile({ name: 'old.doc', bytes: text('x'), maxBytes: MB })).rejects.toMatchObject({
      code: 'FILE_UNSUPPORTED',
      message: expect.stringMatching(
        /old\.doc: unsupported file type; policybot ingests .*\.docx.*save legacy \.doc files as \.docx/,
      ),
    })
  })

  it('reads legacy Windows-1252 text and UTF-16 with a BOM', async () => {
    const cp1252 = new Uint8Array([...text('Caf'), 0xe9, ...text(' opening hours are 8 to 18.')])
    const doc = await parseFile({ name: 'cafe.txt', bytes: cp1252, maxBytes: MB })
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: 'Café opening hours are 8 to 18.' }])
    const utf16 = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from('# Hi\n\nThere.', 'utf16le'))])
    expect((await parseFile({ name: 'u.md', bytes: utf16, maxBytes: MB })).title).toBe('Hi')
  })
})
