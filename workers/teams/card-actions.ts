import type { CardAction } from '../../bots/teams/activities'
import { askedCard } from '../../bots/teams/cards'
import { questionLanguage } from '../answering/answer'
import { questionById } from '../conversations/questions'
import type { Services } from '../services'

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
  if (action.verb !== 'askHuman') {
    return error(400, 'BadRequest', `Unknown action "${action.verb}".`)
  }
  const questionId = Number(action.data.questionId)
  const q = Number.isInteger(questionId) ? await questionById(svc.db, questionId) : undefined
  if (q?.platform !== 'teams' || q.channel !== conversationId) {
    return error(404, 'NotFound', 'That question is not in this conversation.')
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
