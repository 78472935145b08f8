import { eq } from 'drizzle-orm'
import { dingtalkAdminPosts } from '../../workers/db/schema'
import type { AdminChannel } from '../../workers/platform'
import type { Services } from '../../workers/services'
import type { DingTalkApi } from './api'
import { escalationActionCard, outcomeMarkdown } from './escalation-card'
import { dingTalkParkedAlert } from './platform'

/** The approval page for an escalation, with the button's action preselected. */
export const consoleLink = (consoleUrl: string, escalationId: number, action: string) =>
  `${consoleUrl}/dingtalk/escalations/${escalationId}?action=${action}`

/**
 * Escalations in the DingTalk admins' group (`DINGTALK_ADMIN_CONVERSATION`): posted once as an
 * ActionCard whose buttons open the approval page (`/dingtalk/escalations/<id>`); a reminder
 * posts the card again with a reminder line (group robots cannot reply in a thread); once
 * decided, one message says who decided what.
 */
export function dingTalkAdminChannel(
  svc: Omit<Services, 'platforms'>,
  api: DingTalkApi,
  target: { conversation: string; consoleUrl: string },
): AdminChannel {
  /** The group notice an escalation was posted as, if it was. */
  const postedNotice = async (escalationId: number) => {
    const [row] = await svc.db
      .select()
      .from(dingtalkAdminPosts)
      .where(eq(dingtalkAdminPosts.escalationId, escalationId))
    return row
  }
  const link = (escalationId: number) => (action: string) =>
    consoleLink(target.consoleUrl, escalationId, action)
  return {
    async notify(view) {
      if (await postedNotice(view.id)) return
      const key = await api.sendActionCardToGroup(
        target.conversation,
        escalationActionCard(view, link(view.id)),
      )
      await svc.db
        .insert(dingtalkAdminPosts)
        .values({ escalationId: view.id, conversationId: target.conversation, processQueryKey: key ?? null })
        .onConflictDoNothing()
    },
    async remind(view, hours) {
      const posted = await postedNotice(view.id)
      if (!posted) return false
      await api.sendActionCardToGroup(posted.conversationId, escalationActionCard(view, link(view.id), hours))
      return true
    },
    async showDecision(view) {
      if (view.status === 'open') return
      const posted = await postedNotice(view.id)
      if (!posted || posted.outcomePostedAt) return
      await api.sendToGroup(posted.conversationId, outcomeMarkdown(view))
      await svc.db
        .update(dingtalkAdminPosts)
        .set({ outcomePostedAt: new Date() })
        .where(eq(dingtalkAdminPosts.escalationId, view.id))
    },
    async alertParked(notice) {
      await api.sendToGroup(target.conversation, dingTalkParkedAlert(notice))
    },
  }
}
