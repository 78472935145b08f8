import { remindDingTalkAdmins } from '../dingtalk/admin'
import { dueForReminder, markReminded } from '../escalation/escalations'
import type { Services } from '../services'
import { remindTeamsAdmins } from '../teams/admin-cards'

/**
 * The Cron Trigger's work: escalations open longer than `ESCALATION_REMIND_HOURS` get a reminder
 * wherever admins were told (at most once per period): a reply in the Slack and Teams admin
 * threads, the card posted again in the DingTalk group. One platform failing does not stop the
 * others. Returns how many escalations were reminded.
 */
export async function remindOpenEscalations(svc: Services, now = new Date()): Promise<number> {
  const due = await dueForReminder(svc.db, svc.config.remindHours, now)
  let sent = 0
  for (const e of due) {
    const hours = Math.floor((now.getTime() - e.createdAt.getTime()) / 3_600_000)
    const slack = async () => {
      if (!svc.slack || !e.adminChannel || !e.adminTs) return false
      await svc.slack.call('chat.postMessage', {
        channel: e.adminChannel,
        thread_ts: e.adminTs,
        text: `:bell: Reminder: this question has been waiting for ${hours} hours. Approve, edit or reject it above.`,
      })
      return true
    }
    let reminded = false
    const platforms = [
      slack,
      () => remindTeamsAdmins(svc, e.id, hours),
      () => remindDingTalkAdmins(svc, e.id, hours),
    ]
    for (const remind of platforms) {
      try {
        if (await remind()) reminded = true
      } catch (err) {
        svc.warn(`reminder for escalation ${e.id} failed: ${String(err)}`)
      }
    }
    if (reminded) sent++
    await markReminded(svc.db, e.id, now)
  }
  return sent
}
