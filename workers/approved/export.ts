import type { Citation } from '../answering/types'
import type { Db } from '../db/client'
import { liveApproved } from './store'

/** One instruction-tuning example: the question, the sources it was answered from, the answer. */
export interface InstructionExample {
  instruction: string
  input: string
  output: string
}

/**
 * The live approved answers (not withdrawn, not expired) as instruction-tuning examples, oldest
 * first: what a department's LoRA adapter is trained on. `input` lists the numbered sources the
 * answer's `[n]` markers refer to, so the model learns to cite. `department` keeps one
 * department's answers (null: those of none), so each adapter learns only its own.
 */
export async function approvedExamples(
  db: Db,
  now = new Date(),
  audiences?: readonly string[],
  department?: string | null,
): Promise<InstructionExample[]> {
  const rows = await liveApproved(db, now, audiences, department)
  return rows.map((r) => ({
    instruction: r.question,
    input: (r.citations as Citation[])
      .map((c) => `[${c.n}] ${[c.title, ...c.headingPath].join(' › ')} (updated ${c.updated})`)
      .join('\n'),
    output: r.answer,
  }))
}
