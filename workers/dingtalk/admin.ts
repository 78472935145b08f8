import { eq } from 'drizzle-orm'
import { escalationActionCard, outcomeMarkdown } from '../../bots/dingtalk/escalation-card'
import { dingtalkAdminPosts } from '../db/schema'
import type { EscalationDetails } from '../escalation/escalations'
import { escalationView } from '../escalation/escalations'
import type { Services } from '../services'

/**
 * Escalations in the DingTalk admins' group (`DINGTALK_ADMIN_CONVERSATION`): posted once as an
 * ActionCard whose buttons open the approval page (`/dingtalk/escalations/<id>`), and, once
 * decided, followed by one message saying who decided what. Without an admins' group this does
 * nothing (Slack, Teams or the console decide).
 */
function adminTarget(svc: Services) {
  const admin = svc.config.dingtalk?.admin
  return svc.dingtalk && admin ? { api: svc.dingtalk, ...admin } : undefined
}

/** The approval page for an escalation, with the button's action preselected. */
export const consoleLink = (consoleUrl: string, escalationId: number, action: string) =>
  `${consoleUrl}/dingtalk/escalations/${escalationId}?action=${action}`

/** The group notice an escalation was posted as, if it was. */
async function postedNotice(svc: Services, escalationId: number) {
  const [row] = await svc.db
    .select()
    .from(dingtalkAdminPosts)
    .where(eq(dingtalkAdminPosts.escalationId, escalationId))
  return row
}

export async function notifyDingTalkAdmins(svc: Services, escalationId: number): Promise<void> {
  const target = adminTarget(svc)
  if (!target) return
  const posted = await postedNotice(svc, escalationId)
  if (posted) return
  const view = await escalationView(svc.db, escalationId)
  if (view?.status !== 'open') return
  const card = escalationActionCard(view, (action) => consoleLink(target.consoleUrl, escalationId, action))
  const key = await target.api.sendActionCardToGroup(target.conversation, card)
  await svc.db
    .insert(dingtalkAdminPosts)
    .values({ escalationId, conversationId: target.conversation, processQueryKey: key ?? null })
    .onConflictDoNothing()
}

/** Posts the card again with a reminder line, if it was posted and is still open. */
export async function remindDingTalkAdmins(
  svc: Services,
  escalationId: number,
  hours: number,
): Promise<boolean> {
  const target = adminTarget(svc)
  if (!target) return false
  const posted = await postedNotice(svc, escalationId)
  const view = posted ? await escalationView(svc.db, escalationId) : undefined
  if (!posted || view?.status !== 'open') return false
  const card = escalationActionCard(
    view,
    (action) => consoleLink(target.consoleUrl, escalationId, action),
    hours,
  )
  await target.api.sendActionCardToGroup(posted.conversationId, card)
  return true
}

export async function postDingTalkOutcome(svc: Services, view: EscalationDetails): Promise<void> {
  const target = adminTarget(svc)
  if (!target || view.status === 'open') return
  const posted = await postedNotice(svc, view.id)
  if (!posted || posted.outcomePostedAt) return
  await target.api.sendToGroup(posted.conversationId, outcomeMarkdown(view))
  await svc.db
    .update(dingtalkAdminPosts)
    .set({ outcomePostedAt: new Date() })
    .where(eq(dingtalkAdminPosts.escalationId, view.id))
}
