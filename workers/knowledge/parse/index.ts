import { PolicybotError } from '../../errors'
import { blockText } from './blocks'
import { parseDocx } from './docx'
import { parseHtml } from './html'
import { parseMarkdown } from './markdown'
import { parsePdf } from './pdf'
import { parseText } from './text'
import type { DocumentFormat, ParsedDocument } from './types'

export type { Block, DocumentFormat, ParsedDocument } from './types'

const EXTENSIONS: Record<string, DocumentFormat> = {
  md: 'markdown',
  markdown: 'markdown',
  mdown: 'markdown',
  mkd: 'markdown',
  mdx: 'markdown',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  pdf: 'pdf',
  docx: 'docx',
  txt: 'text',
  text: 'text',
}

/** The format of a file name, or undefined for a type we do not ingest. */
export function formatOf(fileName: string): DocumentFormat | undefined {
  const ext = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase()
  return ext ? EXTENSIONS[ext] : undefined
}

/** Every extension we ingest, for messages. */
export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSIONS)

/** What to parse: the file's name (for format and messages), its bytes and the size limit. */
export interface ParseFileInput {
  name: string
  bytes: Uint8Array
  maxBytes: number
}

/**
 * Parses one file of any supported format after checking it: over the size limit, empty, the
 * wrong kind of content for its extension (binary in a `.md`, not a PDF in a `.pdf`), encrypted,
 * corrupt, or without any text each give a `PolicybotError` whose message names the file.
 */
export async function parseFile({ name, bytes, maxBytes }: ParseFileInput): Promise<ParsedDocument> {
  if (bytes.byteLength > maxBytes) throw tooLarge(name, bytes.byteLength, maxBytes)
  const format = formatOf(name)
  if (!format) {
    throw new PolicybotError(
      'FILE_UNSUPPORTED',
      `${name}: unsupported file type; policybot ingests ${SUPPORTED_EXTENSIONS.map((e) => `.${e}`).join(', ')}${
        /\.doc$/i.test(name) ? ' (save legacy .doc files as .docx)' : ''
      }.`,
    )
  }
  if (bytes.byteLength === 0) throw new PolicybotError('FILE_EMPTY', `${name}: the file is empty.`)
  const stem = titleFromFileName(name)
  let doc: ParsedDocument
  switch (format) {
    case 'pdf':
      if (!startsWithin(bytes, '%PDF-', 1024)) {
        throw new PolicybotError('FILE_CORRUPT', `${name}: not a PDF file (no %PDF- header).`)
      }
      doc = await parsePdf(bytes, name)
      break
    case 'docx':
      checkDocxContainer(name, bytes)
      doc = await parseDocx(bytes, name)
      break
    case 'markdown':
      doc = parseMarkdown(decodeText(name, bytes), stem, name)
      break
    case 'html':
      doc = parseHtml(decodeText(name, bytes), stem)
      break
    case 'text':
      doc = parseText(decodeText(name, bytes), stem)
      break
  }
  if (!doc.blocks.some((b) => blockText(b).trim().length > 0)) {
    throw new PolicybotError('FILE_EMPTY', `${name}: the file contains no text.`)
  }
  return doc
}

/** The error for a file over the limit, also used before reading a file from disk. */
export function tooLarge(name: string, size: number, maxBytes: number): PolicybotError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`
  return new PolicybotError(
    'FILE_TOO_LARGE',
    `${name}: ${mb(size)} is over the ${mb(maxBytes)} limit (raise it with --max-file-mb or POLICYBOT_MAX_FILE_MB).`,
  )
}

/** "employee-handbook_v2.md" → "Employee handbook v2". */
export function titleFromFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? name
  const words = base
    .replace(/\.[^.]+$/, '')
    .replace(/[-_]+/g, ' ')
    .trim()
  return words ? words[0]!.toUpperCase() + words.slice(1) : base
}

function startsWithin(bytes: Uint8Array, magic: string, window: number): boolean {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, window))
  return head.includes(magic)
}

function checkDocxContainer(name: string, bytes: Uint8Array): void {
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
  if (isZip) return
  const isOle = bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0
  if (isOle) {
    // Office stores a password-protected DOCX as an OLE file holding an "EncryptedPackage" stream.
    const utf16 = new TextDecoder('utf-16le').decode(bytes.subarray(0, Math.min(bytes.byteLength, 1 << 20)))
    if (utf16.includes('EncryptedPackage')) {
      throw new PolicybotError(
        'FILE_ENCRYPTED',
        `${name}: the document is password-protected; save an unprotected copy and ingest that.`,
      )
    }
    throw new PolicybotError(
      'FILE_UNSUPPORTED',
      `${name}: a legacy Word (.doc) file named .docx; save it as .docx.`,
    )
  }
  throw new PolicybotError('FILE_CORRUPT', `${name}: not a DOCX file (not a ZIP package).`)
}

/**
 * Text of a file with a text extension: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252
 * for legacy files. Several NUL bytes or many control characters mean a binary file with a text
 * name; a stray NUL or control character in a real page (the RocketChat handbook's PTO guide has
 * one) is dropped, as Postgres text cannot hold a NUL.
 */
export function decodeText(name: string, bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2))
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2))
  const head = bytes.subarray(0, 64 * 1024)
  let control = 0
  let nul = 0
  for (const b of head) {
    if (b === 0) nul++
    if (b < 9 || (b > 13 && b < 32)) control++
  }
  if (nul > MAX_STRAY_NUL || control > head.byteLength * 0.02) throw binary(name)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes)
  }
  return control > 0 ? text.replace(STRAY_CONTROL, '') : text
}

/** NUL bytes a text file may carry by accident; a PNG's first 16 bytes already hold three. */
const MAX_STRAY_NUL = 2
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
const STRAY_CONTROL = /[\u0000-\u0008\u000e-\u001f]/g

function binary(name: string): PolicybotError {
  return new PolicybotError(
    'FILE_BINARY',
    `${name}: binary content in a text file (is the extension wrong?).`,
  )
}
