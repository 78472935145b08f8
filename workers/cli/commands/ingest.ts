import { readFile } from 'node:fs/promises'
import { sql } from 'drizzle-orm'
import { CLI_ACTOR } from '../../audit/log'
import { queryRows } from '../../db/client'
import { ingestErrors } from '../../db/schema'
import { messageOf, PolicybotError } from '../../errors'
import { type IngestResult, ingestBytes } from '../../knowledge/ingest'
import { tooLarge } from '../../knowledge/parse'
import { dropVectorIndex, ensureEmbedder, ensureVectorIndex } from '../../knowledge/store'
import type { Context } from '../context'
import { collectFiles } from '../files'
import type { Output } from '../output'

export interface IngestSummary {
  results: IngestResult[]
  failed: { sourcePath: string; code: string; message: string }[]
  skipped: string[]
  /**
   * Pages with nothing to index (a static site's front-matter-only `index.md`, an empty file):
   * listed, not failed.
   */
  empty: string[]
  seconds: number
}

/**
 * `policybot ingest <file-or-dir>...`: every file is parsed, chunked, embedded and stored (or left
 * alone when unchanged); a bad file is reported and the rest go on. The summary says what
 * happened to each; the caller exits non-zero if any failed.
 */
export async function ingestCommand(ctx: Context, paths: string[], out: Output): Promise<IngestSummary> {
  const started = performance.now()
  const { files, skipped } = await collectFiles(paths)
  const results: IngestResult[] = []
  const failed: IngestSummary['failed'] = []
  const empty: string[] = []
  // A first large load into the embedded database (one process, no concurrent readers) inserts
  // without the HNSW index and builds it once at the end, several times faster than maintaining
  // it row by row. A big existing index is kept: rebuilding it would cost more than it saves.
  let embedderId: number | undefined
  if (ctx.database.kind === 'pglite' && files.length >= BULK_FILES) {
    const id = await ensureEmbedder(ctx.database.db, ctx.embedder)
    const [row] = await queryRows<{ n: number }>(
      ctx.database.db,
      sql`SELECT count(*)::int AS n FROM chunks WHERE embedder_id = ${id}`,
      'count indexed chunks',
    )
    if ((row?.n ?? 0) < BULK_MAX_EXISTING) {
      embedderId = id
      await dropVectorIndex(ctx.database.db, id)
    }
  }
  try {
    await ingestAll()
  } finally {
    if (embedderId !== undefined)
      await ensureVectorIndex(ctx.database.db, embedderId, ctx.embedder.dimensions, {
        maintenanceWorkMem: '1GB',
      })
  }
  if (results.some((r) => r.status !== 'unchanged')) await ctx.database.maintain()
  return { results, failed, skipped, empty, seconds: (performance.now() - started) / 1000 }

  async function ingestAll() {
    for (const [i, f] of files.entries()) {
      const prefix = `[${i + 1}/${files.length}] ${f.sourcePath}`
      try {
        if (f.size > ctx.config.maxFileBytes) throw tooLarge(f.sourcePath, f.size, ctx.config.maxFileBytes)
        const bytes = new Uint8Array(await readFile(f.absolute))
        const r = await ingestBytes(ctx.database.db, ctx.embedder, {
          sourceKind: 'file',
          sourcePath: f.sourcePath,
          name: f.sourcePath,
          bytes,
          maxBytes: ctx.config.maxFileBytes,
          updatedAt: f.mtime,
          audit: { actor: CLI_ACTOR },
        })
        results.push(r)
        out.progress(`${prefix}: ${describe(r)}`)
      } catch (e) {
        if (e instanceof PolicybotError && e.code === 'FILE_EMPTY') {
          empty.push(f.sourcePath)
          out.progress(`${prefix}: nothing to index (${e.message})`)
          continue
        }
        const code = e instanceof PolicybotError ? e.code : 'INTERNAL'
        const message = messageOf(e)
        failed.push({ sourcePath: f.sourcePath, code, message })
        out.progress(`${prefix}: FAILED ${message}`)
        await ctx.database.db
          .insert(ingestErrors)
          .values({ sourceKind: 'file', sourcePath: f.sourcePath, code, message })
          .catch(() => undefined)
      }
    }
  }
}

/** From this many files an embedded ingest defers the vector index to the end… */
const BULK_FILES = 50
/** …unless the index already holds this many chunks. */
const BULK_MAX_EXISTING = 2000

function describe(r: IngestResult): string {
  const pages = r.pages !== undefined ? `, ${r.pages} pages` : ''
  if (r.status === 'unchanged') return `unchanged (v${r.version})`
  const replaced = r.status === 'replaced' ? `, replaced v${r.replacedVersion}` : ''
  return `${r.status} "${r.title}" (${r.format}${pages}, ${r.sections} sections, ${r.chunks} chunks${replaced})`
}
