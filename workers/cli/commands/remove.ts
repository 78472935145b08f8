import { CLI_ACTOR } from '../../audit/log'
import { deleteDocument } from '../../knowledge/store'
import type { Context } from '../context'
import type { Output } from '../output'

/**
 * `policybot remove <source-path>...`: takes ingested files out of the index (each removal, with
 * the approved answers it withdraws, is in the audit log under `cli`). Returns the paths that
 * were not in the index.
 */
export async function removeCommand(ctx: Context, paths: string[], out: Output): Promise<string[]> {
  const missing: string[] = []
  for (const path of paths) {
    if (await deleteDocument(ctx.database.db, 'file', path, { actor: CLI_ACTOR }))
      out.progress(`removed ${path}`)
    else missing.push(path)
  }
  return missing
}
