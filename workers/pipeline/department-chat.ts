import type { ChatModel } from '../answering/chat-model'
import type { Department } from '../departments/departments'
import { pickModel, rolloutOf } from '../departments/rollout'
import type { Services } from '../services'

/**
 * The chat model that answers one question for a department: its current model (DEPARTMENTS'
 * adapter, `MODEL:adapter`, or the one a promotion made current), or its canary for the canary's
 * share of questions; routed to a runner that has it loaded. A model no runner serves right now
 * falls back (canary → current → base model), with a warning: an answer from the base model
 * beats a quotation. The model that actually wrote the answer is what the question records.
 */
export async function departmentChat(
  svc: Services,
  d: Department,
  questionId: number,
): Promise<ChatModel | undefined> {
  const runner = svc.config.runner
  if (!svc.fleet || !runner) return undefined
  const rollout = await rolloutOf(svc.db, svc.config.departments, runner.model, d.name)
  if (!rollout) return undefined
  const picked = pickModel(rollout, questionId)
  const choices = [picked.model, ...(picked.canary ? [rollout.current] : [])]
  for (const model of choices) {
    if (!model || model === runner.model) return undefined
    if (await svc.fleet.serves(model)) return svc.fleet.chat(model)
    svc.warn(`department ${d.name}: no runner serves ${model} now; falling back`)
  }
  return undefined
}
