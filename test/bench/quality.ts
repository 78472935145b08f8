/**
 * `npm run bench:quality`: retrieval, abstention and quotation quality on the sample handbook and
 * on the out-of-domain handbooks (dev split and the untouched split, reported apart). The same
 * figures open `npm run bench:retrieval`. BENCH_SETS=a,b limits the run to some sets.
 */
import { evaluateSet, labelledSet, OOD_SPLITS, type QuestionOutcome } from './evaluate'
import { printQuality } from './quality-report'

import { print } from './stats'

/** Evaluates the sample and the out-of-domain sets and prints their tables. */
export async function qualityBench(only?: string[]): Promise<Map<string, QuestionOutcome[]>> {
  const names = ['sample', ...OOD_SPLITS.dev, ...OOD_SPLITS.untouched].filter(
    (n) => !only || only.includes(n),
  )
  const results = new Map<string, QuestionOutcome[]>()
  for (const name of names) {
    const started = performance.now()
    const outcomes = await evaluateSet(labelledSet(name))
    results.set(name, outcomes)
    print(`${name}: ${outcomes.length} questions in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  const sample = results.get('sample')
  if (sample) printQuality('Sample handbook (tuned on)', sample, print)
  for (const [split, sets] of Object.entries(OOD_SPLITS)) {
    const outcomes = sets.flatMap((s) => results.get(s) ?? [])
    if (outcomes.length === 0) continue
    printQuality(`Out-of-domain, ${split} split (${sets.join(', ')})`, outcomes, print)
    if (split === 'dev' || process.env.BENCH_PER_SET) {
      for (const s of sets) {
        const o = results.get(s)
        if (o) printQuality(`  ${s}`, o, print)
      }
    }
  }
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await qualityBench(process.env.BENCH_SETS?.split(','))
}
