/**
 * The format-independent shape every parser produces: a title, document metadata and a flat list
 * of structural blocks in reading order. The chunker works on this alone.
 */

export type DocumentFormat = 'markdown' | 'html' | 'pdf' | 'docx' | 'text'

export type Block =
  | { kind: 'heading'; level: number; text: string; page?: number }
  | { kind: 'paragraph'; text: string; page?: number }
  /** One entry per list item, marker included ("- ", "1. "); an item is never split. */
  | { kind: 'list'; items: string[]; page?: number }
  /** A table as Markdown rows; `header` is repeated when a table spans chunks. */
  | { kind: 'table'; header: string; rows: string[]; page?: number }
  | { kind: 'code'; text: string; page?: number }

export interface ParsedDocument {
  title: string
  format: DocumentFormat
  blocks: Block[]
  /** ISO 639-1 code, or `und`. */
  language: string
  pageCount?: number
  /** From front matter or document properties, when present. */
  url?: string
  updatedAt?: Date
  audience?: string[]
  /** Other front matter / properties, kept for display and filters. */
  metadata: Record<string, unknown>
}
