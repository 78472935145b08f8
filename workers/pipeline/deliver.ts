import { and, eq } from 'drizzle-orm'
import { questionLanguage } from '../answering/answer'
import type { Answer, Citation } from '../answering/types'
import { storeApproved } from '../approved/store'
import { markAnswered, setQuestionStatus } from '../conversations/questions'
import { escalations, questions } from '../db/schema'
import { chosenCitations, citationsForEdit } from '../escalation/edit-citations'
import { escalationView } from '../escalation/escalations'
import { joinedWaiting } from '../escalation/join'
import { rejectionText } from '../messages'
import type { Services } from '../services'
import { answerQuestion, replyOf } from './answer-question'
import { refreshAdminMessage } from './notify-admins'
import { outboxFor, placeOf } from './places'

/**
 * Carries out a decided escalation: on approval the answer goes to the asker's thread,
 * attributed, and is stored for reuse; on rejection the asker is told, with the reason. The admin
 * message is updated either way. Each step is guarded, so a retried job repeats nothing.
 */
export async function deliverDecision(svc: Services, escalationId: number): Promise<void> {
  const view = await escalationView(svc.db, escalationId)
  if (!view || view.status === 'open') return
  const q = view.questionRow
  const place = placeOf(q)
  const language = questionLanguage(q.text)
  if (!view.row.deliveredAt) {
    if (view.status === 'approved' || view.status === 'edited') {
      // An edit keeps only the sources that support what the admin wrote.
      // Sources the admin picked (the console) are the answer's; otherwise an edit keeps only the
      // sources that support what the admin wrote.
      const chosen = view.row.finalSources
      const { text, citations } = chosen
        ? chosenCitations(view.finalAnswer ?? view.draft ?? '', view.citations as Citation[], chosen)
        : view.status === 'edited'
          ? await citationsForEdit(svc.db, view.finalAnswer ?? '', view.citations as Citation[])
          : { text: view.finalAnswer ?? view.draft ?? '', citations: view.citations as Citation[] }
      const approvedId = await storeApproved(svc.db, svc.embedder, {
        escalationId,
        question: q.text,
        answer: text,
        citations,
        approvedBy: view.decidedBy ?? 'unknown',
        department: q.department,
        ttlDays: svc.config.approvedTtlDays,
      })
      const a: Answer = {
        mode: 'approved',
        text,
        citations,
        confidence: 1,
        escalate: false,
        language,
        searchedQuestion: q.text,
        passages: [],
        approval: { id: approvedId, by: view.decidedBy ?? 'unknown', at: new Date().toISOString() },
      }
      const ts = await outboxFor(svc, place).answer(place, { ...replyOf(q.id, a), actions: false })
      await markAnswered(svc.db, q.id, a, 'answered', ts)
    } else if (view.status === 'rejected') {
      const reason = view.rejectReason ?? null
      const markup = svc.platforms.get(place.platform)?.markup
      await outboxFor(svc, place).text(place, rejectionText(language, reason, markup), { mention: q.asker })
      await setQuestionStatus(svc.db, q.id, 'rejected', rejectionText(language, reason))
    }
    await svc.db.update(escalations).set({ deliveredAt: new Date() }).where(eq(escalations.id, escalationId))
  }
  await deliverToJoined(svc, view.status, view.rejectReason ?? null, escalationId)
  await refreshAdminMessage(svc, view)
}

/**
 * The decision for those who asked the same question while it was open (escalation/join.ts). An
 * approval is not copied to them: each is answered again, and finds the approved answer only if
 * every document it cites is one they may read (the reuse filter), exactly as a later asker would.
 * A rejection tells each of them, with the reason. A retried job finds the ones already done
 * answered or rejected, and skips them.
 */
async function deliverToJoined(
  svc: Services,
  status: string,
  reason: string | null,
  escalationId: number,
): Promise<void> {
  for (const j of await joinedWaiting(svc.db, escalationId)) {
    if (status === 'approved' || status === 'edited') {
      // Queued again (only from escalated: a retried job does not re-queue an answered one), and
      // answered in a new message, not by editing the holding note: an edit notifies no one.
      await svc.db
        .update(questions)
        .set({ status: 'queued', answerTs: null })
        .where(and(eq(questions.id, j.id), eq(questions.status, 'escalated')))
      await answerQuestion(svc, j.id)
    } else if (status === 'rejected') {
      const place = placeOf(j)
      const language = questionLanguage(j.text)
      const markup = svc.platforms.get(place.platform)?.markup
      await outboxFor(svc, place).text(place, rejectionText(language, reason, markup), { mention: j.asker })
      await setQuestionStatus(svc.db, j.id, 'rejected', rejectionText(language, reason))
    }
  }
}
