import { and, eq, isNull } from 'drizzle-orm'
import { CLI_ACTOR } from '../../audit/log'
import { documents } from '../../db/schema'
import { deleteDocument } from '../../knowledge/store'
import { UPLOAD_SOURCE } from '../../pipeline/upload'
import type { Context } from '../context'
import type { Output } from '../output'

/**
 * `policybot remove <source-path>...`: takes ingested or uploaded files out of the index (each removal, with
 * the approved answers it withdraws, is in the audit log under `cli`). A page a wiki source
 * syncs is not removed here (the next sync would bring it back): the message says where to.
 */
export async function removeCommand(
  ctx: Context,
  paths: string[],
  out: Output,
): Promise<{ removed: number; missing: string[]; synced: string[] }> {
  const missing: string[] = []
  const synced: string[] = []
  let removed = 0
  for (const path of paths) {
    const kinds = (
      await ctx.database.db
        .select({ kind: documents.sourceKind })
        .from(documents)
        .where(and(eq(documents.sourcePath, path), isNull(documents.deletedAt)))
    ).map((d) => d.kind)
    // Files ingested from disk and handbooks uploaded in chat are removed here; a page a wiki
    // source syncs would come back with the next sync, so it is removed at its source.
    const local = kinds.filter((k) => k === 'file' || k === UPLOAD_SOURCE)
    if (local.length) {
      for (const kind of local) await deleteDocument(ctx.database.db, kind, path, { actor: CLI_ACTOR })
      out.progress(`removed ${path}`)
      removed++
    } else if (kinds[0]) {
      synced.push(path)
      const source = path.split('/')[0]
      out.result(
        `${path} comes from the wiki source "${source}" (${kinds[0]}): delete or move it there and run "policybot sync", or retire the whole source with "policybot sources remove ${source}".`,
      )
    } else missing.push(path)
  }
  return { removed, missing, synced }
}
