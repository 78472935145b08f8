import { questionLanguage } from '../../workers/answering/answer'
import { actorOf } from '../../workers/audit/log'
import { questionById } from '../../workers/conversations/questions'
import { feedback } from '../../workers/db/schema'
import { decideEscalation, decisionOf, escalationView } from '../../workers/escalation/escalations'
import { isPolicyAdmin } from '../../workers/pipeline/admins'
import type { Services } from '../../workers/services'
import { personLabel } from '../reply'
import type { CardAction } from './activities'
import { askedCard } from './cards'
import { escalationCard } from './escalation-card'

/**
 * The synchronous answer to a Universal Action (`adaptiveCard/action` invoke). Teams shows what
 * this returns in place of the card, so it is computed here, in the request, as the platform
 * documents; the work it starts goes on the queue. "Ask a human" hands the question to the policy
 * team: only its asker may, and only in the conversation where it was asked.
 */
export type InvokeResponse =
  | { statusCode: 200; type: 'application/vnd.microsoft.card.adaptive'; value: unknown }
  | { statusCode: 200; type: 'application/vnd.microsoft.activity.message'; value: string }
  | {
      statusCode: 400 | 404
      type: 'application/vnd.microsoft.error'
      value: { code: string; message: string }
    }

export async function cardActionResponse(
  svc: Services,
  action: CardAction,
  conversationId: string,
): Promise<InvokeResponse> {
  if (action.verb === 'approve' || action.verb === 'reject') return decisionResponse(svc, action)
  if (action.verb !== 'askHuman' && action.verb !== 'feedback') {
    return error(400, 'BadRequest', `Unknown action "${action.verb}".`)
  }
  const questionId = Number(action.data.questionId)
  const q = Number.isInteger(questionId) ? await questionById(svc.db, questionId) : undefined
  if (q?.platform !== 'teams' || q.channel !== conversationId) {
    return error(404, 'NotFound', 'That question is not in this conversation.')
  }
  if (action.verb === 'feedback') {
    // Anyone who sees the answer may rate it (last vote wins); a thumbs-down points to a human.
    const helpful = action.data.helpful === true
    await svc.db
      .insert(feedback)
      .values({ questionId, voter: action.user, helpful })
      .onConflictDoUpdate({ target: [feedback.questionId, feedback.voter], set: { helpful, at: new Date() } })
    return message(
      helpful
        ? 'Thanks for the feedback.'
        : 'Thanks. If the answer is wrong or incomplete, press "Ask a human" and the policy team will check it.',
    )
  }
  if (q.asker !== action.user) {
    return {
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'Only the person who asked can hand this question to the policy team.',
    }
  }
  await svc.env.JOBS.send({ type: 'escalate', questionId, reason: 'asked', by: action.user })
  return {
    statusCode: 200,
    type: 'application/vnd.microsoft.card.adaptive',
    value: askedCard(questionLanguage(q.text)),
  }
}

function error(statusCode: 400 | 404, code: string, message: string): InvokeResponse {
  return { statusCode, type: 'application/vnd.microsoft.error', value: { code, message } }
}

/**
 * Approve or Reject on an admin card: policy admins only; one conditional update decides (the
 * admin who loses a race is told who won); the card returned in the response shows the outcome
 * to the admin at once, and the queued `deliver` job posts the answer to the asker and updates
 * the card for everyone else.
 */
async function decisionResponse(svc: Services, action: CardAction): Promise<InvokeResponse> {
  const escalationId = Number(action.data.escalationId)
  if (!Number.isInteger(escalationId)) return error(400, 'BadRequest', 'The card names no escalation.')
  if (!(await isPolicyAdmin(svc, { platform: 'teams', user: action.user }))) {
    return message('Only policy admins can approve or reject answers.')
  }
  const view = await escalationView(svc.db, escalationId)
  if (!view) return error(404, 'NotFound', 'No such escalation.')
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined)
  const decision = decisionOf(
    view.draft,
    personLabel(action.user, action.userName),
    action.verb === 'reject' ? 'reject' : 'approve',
    {
      answer: str(action.data.answer),
      reason: str(action.data.reason),
    },
  )
  if (decision === 'needs_answer') return message('Write the answer in the field before approving.')
  const { won } = await decideEscalation(
    svc.db,
    escalationId,
    decision,
    actorOf({ platform: 'teams', user: action.user }),
  )
  const after = await escalationView(svc.db, escalationId)
  if (won) await svc.env.JOBS.send({ type: 'deliver', escalationId })
  else if (after)
    return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: escalationCard(after) }
  return {
    statusCode: 200,
    type: 'application/vnd.microsoft.card.adaptive',
    value: escalationCard(after ?? view),
  }
}

function message(value: string): InvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value }
}
