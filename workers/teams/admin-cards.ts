import { eq } from 'drizzle-orm'
import { escalationCard } from '../../bots/teams/escalation-card'
import { teamsAdminCards } from '../db/schema'
import type { EscalationDetails } from '../escalation/escalations'
import { escalationView } from '../escalation/escalations'
import type { Services } from '../services'
import { serviceUrlOf } from './conversations'

/**
 * Escalations in the Teams admin channel (`TEAMS_ADMIN_CONVERSATION`): posted as an Adaptive
 * Card with Approve and Reject, remembered, and updated after a decision so everyone sees the
 * outcome. Without a Teams admin channel this does nothing (Slack or the console decide).
 */
async function adminTarget(svc: Services) {
  const teams = svc.config.teams
  if (!svc.teams || !teams?.adminConversation) return undefined
  const serviceUrl = (await serviceUrlOf(svc.db, teams.adminConversation)) ?? teams.serviceUrl
  return { connector: svc.teams, conversation: teams.adminConversation, serviceUrl }
}

/** The card an escalation was posted as, if it was. */
async function postedCard(svc: Services, escalationId: number) {
  const [row] = await svc.db
    .select()
    .from(teamsAdminCards)
    .where(eq(teamsAdminCards.escalationId, escalationId))
  return row
}

export async function notifyTeamsAdmins(svc: Services, escalationId: number): Promise<void> {
  const target = await adminTarget(svc)
  if (!target) return
  const posted = await postedCard(svc, escalationId)
  if (posted) return
  const view = await escalationView(svc.db, escalationId)
  if (view?.status !== 'open') return
  const id = await target.connector.sendCard(
    target.serviceUrl,
    target.conversation,
    escalationCard(view),
    `Question for the policy team: ${view.question}`,
  )
  if (id) {
    await svc.db
      .insert(teamsAdminCards)
      .values({ escalationId, conversationId: target.conversation, activityId: id })
      .onConflictDoNothing()
  }
}

/** A reminder in the admin card's thread (a channel reply: `<conversation>;messageid=<card>`). */
export async function remindTeamsAdmins(
  svc: Services,
  escalationId: number,
  hours: number,
): Promise<boolean> {
  const target = await adminTarget(svc)
  if (!target) return false
  const posted = await postedCard(svc, escalationId)
  if (!posted) return false
  await target.connector.sendText(
    target.serviceUrl,
    `${posted.conversationId};messageid=${posted.activityId}`,
    `⏰ Reminder: this question has been waiting ${hours} hours. Approve, edit or reject it on the card above.`,
  )
  return true
}

export async function refreshTeamsAdminCard(svc: Services, view: EscalationDetails): Promise<void> {
  const target = await adminTarget(svc)
  if (!target) return
  const posted = await postedCard(svc, view.id)
  if (!posted) return
  await target.connector.update(target.serviceUrl, posted.conversationId, posted.activityId, {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: escalationCard(view) }],
  })
}
