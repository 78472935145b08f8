import { readFile } from 'node:fs/promises'
import { ingestErrors } from '../../db/schema'
import { messageOf, PolicybotError } from '../../errors'
import { type IngestResult, ingestBytes } from '../../knowledge/ingest'
import { tooLarge } from '../../knowledge/parse'
import type { Context } from '../context'
import { collectFiles } from '../files'
import type { Output } from '../output'

export interface IngestSummary {
  results: IngestResult[]
  failed: { sourcePath: string; code: string; message: string }[]
  skipped: string[]
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
      })
      results.push(r)
      out.progress(`${prefix}: ${describe(r)}`)
    } catch (e) {
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
  if (results.some((r) => r.status !== 'unchanged')) await ctx.database.maintain()
  return { results, failed, skipped, seconds: (performance.now() - started) / 1000 }
}

function describe(r: IngestResult): string {
  const pages = r.pages !== undefined ? `, ${r.pages} pages` : ''
  if (r.status === 'unchanged') return `unchanged (v${r.version})`
  const replaced = r.status === 'replaced' ? `, replaced v${r.replacedVersion}` : ''
  return `${r.status} "${r.title}" (${r.format}${pages}, ${r.sections} sections, ${r.chunks} chunks${replaced})`
}
