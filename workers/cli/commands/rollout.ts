import { CLI_ACTOR } from '../../audit/log'
import type { Db } from '../../db/client'
import { type Department, parseDepartments } from '../../departments/departments'
import {
  compareRollout,
  endCanary,
  listRollouts,
  type ModelOutcome,
  type Rollout,
  startCanary,
} from '../../departments/rollout'
import type { Output } from '../output'

/**
 * `policybot rollout [--json]`: each department's model and canary, the canary compared with the
 * current model on the questions since it started (escalated, helpful votes).
 * `policybot rollout canary DEPT MODEL --percent N`, `… promote DEPT`, `… rollback DEPT`: the
 * steps, each recorded in the audit log under `cli`.
 */
export async function rolloutCommand(
  db: Db,
  env: Readonly<Record<string, string | undefined>>,
  args: readonly string[],
  options: { json: boolean; percent?: string },
  out: Output,
): Promise<number> {
  let departments: Department[]
  try {
    departments = parseDepartments(env.DEPARTMENTS)
  } catch (e) {
    out.result(`DEPARTMENTS ${(e as Error).message}`)
    return 2
  }
  if (!departments.length) {
    out.result('No departments: set DEPARTMENTS (see README, "Departments").')
    return 2
  }
  const base = env.RUNNER_MODEL ?? 'default'
  const actor = CLI_ACTOR
  const [step, name, model] = args
  try {
    if (step === 'canary') {
      const percent = Number(options.percent)
      if (!name || !model || !Number.isInteger(percent))
        return usage(out, 'rollout canary DEPARTMENT MODEL --percent N (1 to 50)')
      const r = await startCanary(db, departments, base, {
        department: name,
        model,
        share: percent / 100,
        actor,
      })
      out.result(`${r.department}: ${r.canary} now answers ${percent}% of questions; ${r.current} the rest.`)
      return 0
    }
    if (step === 'promote' || step === 'rollback') {
      if (!name) return usage(out, `rollout ${step} DEPARTMENT`)
      const r = await endCanary(db, departments, base, { department: name, step, actor })
      out.result(`${r.department}: ${r.current} answers every question now.`)
      return 0
    }
    if (step !== undefined) return usage(out, `unknown step "${step}": canary, promote or rollback`)
  } catch (e) {
    out.result((e as Error).message)
    return 1
  }
  const list = await rolloutStatus(db, departments, base)
  out.result(options.json ? JSON.stringify(list, null, 2) : list.map(renderRollout).join('\n'))
  return 0
}

/** Every department's rollout, with the comparison of a running canary. */
export async function rolloutStatus(db: Db, departments: readonly Department[], base: string) {
  const rollouts = await listRollouts(db, departments, base)
  return Promise.all(rollouts.map(async (r) => ({ ...r, comparison: await compareRollout(db, r) })))
}

function usage(out: Output, line: string): number {
  out.result(`usage: policybot ${line}`)
  return 2
}

const pct = (n: number, of: number) => (of ? `${Math.round((100 * n) / of)}%` : '—')

function outcome(o: ModelOutcome): string {
  const votes = o.helpful + o.unhelpful
  return `${o.model}: ${o.questions} questions, ${pct(o.escalated, o.questions)} escalated, ${pct(o.helpful, votes)} helpful (${o.helpful}/${votes})`
}

export function renderRollout(r: Rollout & { comparison: ModelOutcome[] }): string {
  const head = `${r.department}: ${r.current ?? 'base model'}${r.currentFrom === 'promoted' ? ' (promoted; DEPARTMENTS no longer decides)' : ''}`
  if (!r.canary) return head
  return [
    `${head}; canary ${r.canary} on ${Math.round(r.share * 100)}% since ${r.canarySince?.toISOString().slice(0, 16).replace('T', ' ')} (by ${r.canaryBy})`,
    ...r.comparison.map((o) => `  ${outcome(o)}`),
  ].join('\n')
}
