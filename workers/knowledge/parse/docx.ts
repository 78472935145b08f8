import mammoth from 'mammoth'
import { PolicybotError } from '../../errors'
import { blocksLanguage, firstHeading } from './blocks'
import { htmlToMarkdown } from './html-to-markdown'
import { markdownToBlocks } from './markdown'
import type { ParsedDocument } from './types'

/** Word's title styles are headings too; mammoth maps Heading 1–6 by itself. */
const STYLE_MAP = ["p[style-name='Title'] => h1:fresh", "p[style-name='Subtitle'] => h2:fresh"]

/**
 * A Word document (DOCX) through mammoth: heading styles become headings, lists and tables keep
 * their structure (mammoth renders HTML, which we convert like any HTML). A file that is not a
 * valid DOCX package gives `FILE_CORRUPT` naming the file.
 */
export async function parseDocx(bytes: Uint8Array, fileName: string): Promise<ParsedDocument> {
  let html: string
  try {
    const result = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) }, { styleMap: STYLE_MAP })
    html = result.value
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e)
    throw new PolicybotError('FILE_CORRUPT', `${fileName}: not a readable DOCX file (${detail}).`, {
      cause: e,
    })
  }
  const blocks = markdownToBlocks(htmlToMarkdown(html))
  return {
    title: firstHeading(blocks) ?? fileName,
    format: 'docx',
    blocks,
    language: blocksLanguage(blocks),
    metadata: {},
  }
}
