import type { Db } from '../db/client'
import { chunkDocument } from './chunk'
import type { Embedder } from './embed/types'
import { parseFile } from './parse'
import { type DocumentAudit, type StoreResult, storeDocument } from './store'

/**
 * Bumped when parsing or chunking changes what a file becomes, so re-ingesting unchanged files
 * after an upgrade rebuilds them instead of being a no-op.
 */
export const PIPELINE_VERSION = 'v1'

/** One file's bytes and where it came from. */
export interface IngestInput {
  sourceKind: string
  /** Identity within the source (a relative path, a remote id); re-ingesting it replaces it. */
  sourcePath: string
  /** File name, for the format and for messages. */
  name: string
  bytes: Uint8Array
  maxBytes: number
  /** When the source last changed, if the caller knows better than the file's own metadata. */
  updatedAt?: Date
  /** Who is changing the index, for the audit log. */
  audit?: DocumentAudit
}

export interface IngestResult extends StoreResult {
  sourcePath: string
  title: string
  format: string
  pages?: number
  sections: number
}

/**
 * Parses, chunks, embeds and stores one file: the whole ingestion pipeline for any caller (CLI,
 * Slack upload, wiki sync). Errors are `PolicybotError`s naming the file; nothing is stored then.
 */
export async function ingestBytes(db: Db, embedder: Embedder, input: IngestInput): Promise<IngestResult> {
  const doc = await parseFile({ name: input.name, bytes: input.bytes, maxBytes: input.maxBytes })
  const chunks = chunkDocument(doc)
  const contentHash = await sha256(PIPELINE_VERSION, input.bytes)
  const updatedAt = doc.updatedAt ?? input.updatedAt
  const stored = await storeDocument(db, embedder, {
    sourceKind: input.sourceKind,
    sourcePath: input.sourcePath,
    doc,
    chunks,
    contentHash,
    ...(updatedAt ? { updatedAt } : {}),
    ...(input.audit ? { audit: input.audit } : {}),
  })
  return {
    ...stored,
    sourcePath: input.sourcePath,
    title: doc.title,
    format: doc.format,
    ...(doc.pageCount !== undefined ? { pages: doc.pageCount } : {}),
    sections: new Set(chunks.map((c) => c.headingPath.join('\u0000'))).size,
  }
}

async function sha256(prefix: string, bytes: Uint8Array): Promise<string> {
  const data = new Uint8Array(prefix.length + bytes.byteLength)
  data.set(new TextEncoder().encode(prefix))
  data.set(bytes, prefix.length)
  const digest = await crypto.subtle.digest('SHA-256', data)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}
