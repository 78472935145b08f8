import { questionLanguage } from '../answering/answer'
import type { Citation } from '../answering/types'
import { actorOf } from '../audit/log'
import { questionById, setQuestionStatus } from '../conversations/questions'
import { openEscalation, openEscalationOf } from '../escalation/escalations'
import { joinOpenEscalation } from '../escalation/join'
import { escalatedOnRequestText } from '../messages'
import type { Services } from '../services'
import { notifyAdmins } from './notify-admins'
import { outboxFor, placeOf } from './places'

/**
 * Hands an answered question to the policy team because the asker asked for a human (or marked
 * the answer not helpful and then asked): the bot's answer becomes the draft. Only the asker may
 * do this for their question; a second press finds the escalation already open and says so.
 */
export async function escalateQuestion(
  svc: Services,
  questionId: number,
  reason: 'asked' | 'feedback',
  by: string,
): Promise<'escalated' | 'already' | 'not_asker' | 'unknown'> {
  const q = await questionById(svc.db, questionId)
  if (!q) return 'unknown'
  if (q.asker !== by) return 'not_asker'
  if (q.joinedEscalationId !== null && q.status === 'escalated') return 'already'
  const actor = actorOf({ platform: q.platform, user: by })
  // The same question already with the team (asked by someone else): join it, page no one again.
  if (!(await openEscalationOf(svc.db, questionId)) && (await joinOpenEscalation(svc.db, q, actor))) {
    const place = placeOf(q)
    await outboxFor(svc, place).text(place, escalatedOnRequestText(questionLanguage(q.text)), { mention: by })
    return 'escalated'
  }
  const { row, created } = await openEscalation(svc.db, {
    questionId,
    reason,
    draft: q.mode === 'abstain' ? null : q.answer,
    citations: (q.citations as Citation[] | null) ?? [],
    confidence: q.confidence,
    actor,
  })
  if (!created) return 'already'
  // With the team now: the ledger (and the web page polling it) shows it as waiting.
  await setQuestionStatus(svc.db, questionId, 'escalated')
  const place = placeOf(q)
  const note = escalatedOnRequestText(questionLanguage(q.text))
  await outboxFor(svc, place).text(place, note, { mention: by })
  if (!row.adminTs) await notifyAdmins(svc, row.id)
  return 'escalated'
}
