import { dueForReminder, markReminded } from '../escalation/escalations'
import type { Services } from '../services'

/**
 * The Cron Trigger's work: escalations open longer than `ESCALATION_REMIND_HOURS` get a reminder
 * in their admin-message thread (at most once per period). Returns how many were reminded.
 */
export async function remindOpenEscalations(svc: Services, now = new Date()): Promise<number> {
  const due = await dueForReminder(svc.db, svc.config.remindHours, now)
  let sent = 0
  for (const e of due) {
    if (svc.slack && e.adminChannel && e.adminTs) {
      const hours = Math.floor((now.getTime() - e.createdAt.getTime()) / 3_600_000)
      await svc.slack.call('chat.postMessage', {
        channel: e.adminChannel,
        thread_ts: e.adminTs,
        text: `:bell: Reminder: this question has been waiting for ${hours} hours. Approve, edit or reject it above.`,
      })
      sent++
    }
    await markReminded(svc.db, e.id, now)
  }
  return sent
}
