import { eq } from 'drizzle-orm'
import { teamsAdminCards } from '../../workers/db/schema'
import { reminderText } from '../../workers/messages'
import type { AdminChannel } from '../../workers/platform'
import type { Services } from '../../workers/services'
import type { BotConnector } from './connector'
import { serviceUrlOf } from './conversations'
import { escalationCard } from './escalation-card'
import { teamsParkedAlert } from './platform'

/**
 * Escalations in the Teams admin channel (`TEAMS_ADMIN_CONVERSATION`): posted as an Adaptive
 * Card with Approve and Reject, remembered, and updated after a decision so everyone sees the
 * outcome; reminders and parked-job alerts as replies in the channel.
 */
export function teamsAdminChannel(
  svc: Omit<Services, 'platforms'>,
  connector: BotConnector,
  conversation: string,
): AdminChannel {
  const serviceUrl = async () =>
    (await serviceUrlOf(svc.db, conversation)) ?? svc.config.teams?.serviceUrl ?? ''
  /** The card an escalation was posted as, if it was. */
  const postedCard = async (escalationId: number) => {
    const [row] = await svc.db
      .select()
      .from(teamsAdminCards)
      .where(eq(teamsAdminCards.escalationId, escalationId))
    return row
  }
  return {
    async notify(view) {
      if (await postedCard(view.id)) return
      const id = await connector.sendCard(
        await serviceUrl(),
        conversation,
        escalationCard(view),
        `Question for the policy team: ${view.question}`,
      )
      if (id) {
        await svc.db
          .insert(teamsAdminCards)
          .values({ escalationId: view.id, conversationId: conversation, activityId: id })
          .onConflictDoNothing()
      }
    },
    // A reply in the card's thread (a channel reply: `<conversation>;messageid=<card>`).
    async remind(view, hours) {
      const posted = await postedCard(view.id)
      if (!posted) return false
      await connector.sendText(
        await serviceUrl(),
        `${posted.conversationId};messageid=${posted.activityId}`,
        `⏰ ${reminderText(hours)}`,
      )
      return true
    },
    async showDecision(view) {
      const posted = await postedCard(view.id)
      if (!posted) return
      await connector.update(await serviceUrl(), posted.conversationId, posted.activityId, {
        type: 'message',
        attachments: [
          { contentType: 'application/vnd.microsoft.card.adaptive', content: escalationCard(view) },
        ],
      })
    },
    async alertParked(notice) {
      await connector.sendText(await serviceUrl(), conversation, teamsParkedAlert(notice))
    },
  }
}
