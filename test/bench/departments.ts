/**
 * `npm run bench:departments`: how often a question is routed by its documents to the right
 * department, on handbooks the routing rule was never tuned on. Each out-of-domain handbook's
 * top-level folders are its departments (`people-group/`, `finance/`, `legal/` …, configured as
 * `sources: ["file:<folder>/"]`); a labelled question's department is the folder of its expected
 * source. Each question is answered as in production (k 5, the calibrated abstention, no chat
 * model; follow-ups with their history) and its routed department compared:
 *
 * - **right**: the expected department, so its adapter answers;
 * - **base**: no department (the best passages are split, or retrieval found none): the base
 *   model answers, which is safe;
 * - **wrong**: another department's adapter answers, the costly mistake.
 *
 * Handbooks with fewer than two departments are left out. The dev and untouched splits are
 * reported apart (test/bench/evaluate.ts); the rule was fixed before either was run.
 */
import { readdirSync } from 'node:fs'
import { answer } from '../../workers/answering/answer'
import type { Database } from '../../workers/db/client'
import {
  type Department,
  parseDepartments,
  passagesDepartment,
  ROUTING_RULE,
} from '../../workers/departments/departments'
import { filesUnder, openIndexedDb } from '../helpers/db'
import { historyOf } from './dev-set'
import { benchEmbedder, labelledSet, OOD_SPLITS } from './evaluate'
import { print } from './stats'

const RULE =
  process.env.BENCH_TOP || process.env.BENCH_SHARE
    ? {
        top: Number(process.env.BENCH_TOP ?? ROUTING_RULE.top),
        share: Number(process.env.BENCH_SHARE ?? ROUTING_RULE.share),
      }
    : ROUTING_RULE
const SPLITS = (process.env.BENCH_SPLITS ?? 'dev,untouched').split(',')

interface Tally {
  right: number
  base: number
  wrong: number
}

async function routeSet(name: string): Promise<Tally | undefined> {
  const set = labelledSet(name)
  const folders = readdirSync(set.docs, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
  if (folders.length < 2) return undefined
  const departments: Department[] = parseDepartments(
    JSON.stringify(folders.map((f, i) => ({ name: `d${i}`, adapter: null, sources: [`file:${f}/`] }))),
  )
  const departmentOf = (path: string) => departments[folders.indexOf(path.split('/')[0] ?? '')]?.name
  const embedder = await benchEmbedder()
  const { database } = (await openIndexedDb(filesUnder(set.docs), embedder)) as { database: Database }
  const tally: Tally = { right: 0, base: 0, wrong: 0 }
  try {
    const byId = new Map(set.questions.map((q) => [q.id, q]))
    const answers = new Map<string, string>()
    for (const q of set.questions) {
      const a = await answer(
        { db: database.db, embedder, departments: { all: departments, chatFor: async () => undefined } },
        q.question,
        historyOf(q, byId, answers),
      )
      answers.set(q.id, a.text)
      const expected = new Set(q.expect.map((e) => departmentOf(e.path)).filter(Boolean))
      // Only questions whose answer lives in one department's documents are scored.
      if (!q.answerable || expected.size !== 1) continue
      // The rule in production (what `answer` chose), or another to compare (BENCH_TOP, BENCH_SHARE).
      const routed = RULE === ROUTING_RULE ? a.department : passagesDepartment(departments, a.passages, RULE)
      if (!routed) tally.base++
      else if (expected.has(routed.name)) tally.right++
      else tally.wrong++
    }
  } finally {
    await database.close()
  }
  return tally
}

const pct = (n: number, of: number) => `${of ? ((100 * n) / of).toFixed(0) : '—'} %`

print(
  `Routing by documents (best ${RULE.top} passages, winner over ${RULE.share * 100} % of their score): a department per top-level folder, questions answered from one folder`,
)
print('| split | handbook | departments | questions | right | base model | wrong |')
print('|---|---|---|---|---|---|---|')
for (const [split, sets] of Object.entries(OOD_SPLITS).filter(([s]) => SPLITS.includes(s))) {
  const sum: Tally = { right: 0, base: 0, wrong: 0 }
  for (const name of sets) {
    const t = await routeSet(name)
    if (!t) continue
    const n = t.right + t.base + t.wrong
    const folders = readdirSync(labelledSet(name).docs, { withFileTypes: true }).filter((e) =>
      e.isDirectory(),
    ).length
    print(
      `| ${split} | ${name} | ${folders} | ${n} | ${pct(t.right, n)} | ${pct(t.base, n)} | ${pct(t.wrong, n)} |`,
    )
    sum.right += t.right
    sum.base += t.base
    sum.wrong += t.wrong
  }
  const n = sum.right + sum.base + sum.wrong
  print(`| ${split} | all | | ${n} | ${pct(sum.right, n)} | ${pct(sum.base, n)} | ${pct(sum.wrong, n)} |`)
}
