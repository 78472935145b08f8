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
export async function approvedExamples(db: Db, now = new Date()): Promise<InstructionExample[]> {
  const rows = await liveApproved(db, now)
  return rows.map((r) => ({
    instruction: r.question,
    input: (r.citations as Citation[])
      .map((c) => `[${c.n}] ${[c.title, ...c.headingPath].join(' › ')} (updated ${c.updated})`)
      .join('\n'),
    output: r.answer,
  }))
}

/** `policybot export-approved [--out FILE]`: JSONL to the file, or to stdout. Returns the count. */
export async function exportApprovedCommand(
  db: Db,
  outFile: string | undefined,
  out: Output,
): Promise<number> {
  const examples = await approvedExamples(db)
  const jsonl = examples.map((e) => JSON.stringify(e)).join('\n')
  if (outFile) {
    writeFileSync(outFile, jsonl ? `${jsonl}\n` : '')
    out.progress(`Wrote ${examples.length} approved answers to ${outFile}.`)
  } else if (jsonl) out.result(jsonl)
  return examples.length
}
