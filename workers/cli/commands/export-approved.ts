import { writeFileSync } from 'node:fs'
import { approvedExamples } from '../../approved/export'
import type { Db } from '../../db/client'
import type { Output } from '../output'

/**
 * `policybot export-approved [--out FILE] [--department NAME|none] [--audience A,B | --all-audiences]`: JSONL to the
 * file, or to stdout. An adapter trained on the file answers everyone who reaches it, so by
 * default only answers citing documents for everyone are written; `audiences` adds those whose
 * restricted sources are all for one of them, and `all` (`--all-audiences`) writes every
 * live answer. `department` writes one department's answers (`null`: those of no department),
 * for training that department's adapter. Returns the count.
 */
export async function exportApprovedCommand(
  db: Db,
  outFile: string | undefined,
  out: Output,
  audiences: readonly string[] | 'all' = [],
  department?: string | null,
): Promise<number> {
  const examples = await approvedExamples(
    db,
    new Date(),
    audiences === 'all' ? undefined : audiences,
    department,
  )
  const jsonl = examples.map((e) => JSON.stringify(e)).join('\n')
  if (outFile) {
    writeFileSync(outFile, jsonl ? `${jsonl}\n` : '')
    out.progress(
      `Wrote ${examples.length} approved answers${department === undefined ? '' : department === null ? ' of no department' : ` of ${department}`} to ${outFile}.`,
    )
  } else if (jsonl) out.result(jsonl)
  return examples.length
}

export { approvedExamples, type InstructionExample } from '../../approved/export'
