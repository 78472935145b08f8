import { writeFileSync } from 'node:fs'
import type { Citation } from '../../answering/types'
import { liveApproved } from '../../approved/store'
import type { Db } from '../../db/client'
import type { Output } from '../output'

/** One instruction-tuning example: the question, the sources it was answered from, the answer. */
export interface InstructionExample {
  instruction: string
  input: string
  output: string
}

/**
 * The live approved answers (not withdrawn, not expired) as instruction-tuning examples, oldest
 * first: what a department's LoRA adapter is trained on. `input` lists the numbered sources the
 * answer's `[n]` markers refer to, so the model learns to cite.
 */
export async function approvedExamples(
  db: Db,
  now = new Date(),
  audiences?: readonly string[],
): Promise<InstructionExample[]> {
  const rows = await liveApproved(db, now, audiences)
  return rows.map((r) => ({
    instruction: r.question,
    input: (r.citations as Citation[])
      .map((c) => `[${c.n}] ${[c.title, ...c.headingPath].join(' › ')} (updated ${c.updated})`)
      .join('\n'),
    output: r.answer,
  }))
}

/**
 * `policybot export-approved [--out FILE] [--audience A,B | --all-audiences]`: JSONL to the
 * file, or to stdout. An adapter trained on the file answers everyone who reaches it, so by
 * default only answers citing documents for everyone are written; `audiences` adds those whose
 * restricted sources are all for one of them, and `all` (`--all-audiences`) writes every
 * live answer. Returns the count.
 */
export async function exportApprovedCommand(
  db: Db,
  outFile: string | undefined,
  out: Output,
  audiences: readonly string[] | 'all' = [],
): Promise<number> {
  const examples = await approvedExamples(db, new Date(), audiences === 'all' ? undefined : audiences)
  const jsonl = examples.map((e) => JSON.stringify(e)).join('\n')
  if (outFile) {
    writeFileSync(outFile, jsonl ? `${jsonl}\n` : '')
    out.progress(`Wrote ${examples.length} approved answers to ${outFile}.`)
  } else if (jsonl) out.result(jsonl)
  return examples.length
}
