import { messageOf } from '../errors'
import { dueForReminder, escalationView, markReminded } from '../escalation/escalations'
import type { Services } from '../services'

/**
 * The Cron Trigger's work: escalations open longer than `ESCALATION_REMIND_HOURS` get a reminder
 * in every admin place that was told of them (at most once per period). One place failing does
 * not stop the others. Returns how many escalations were reminded.
 */
export async function remindOpenEscalations(svc: Services, now = new Date()): Promise<number> {
  const due = await dueForReminder(svc.db, svc.config.remindHours, now)
  let sent = 0
  for (const e of due) {
    const hours = Math.floor((now.getTime() - e.createdAt.getTime()) / 3_600_000)
    // Read once for every place (due rows are open; one decided since is left alone).
    const view = await escalationView(svc.db, e.id)
    let reminded = false
    if (view?.status === 'open') {
      for (const { platform, channel } of svc.platforms.admins) {
        try {
          if (await channel.remind(view, hours)) reminded = true
        } catch (err) {
          svc.warn(`reminder for escalation ${e.id} in ${platform} failed: ${messageOf(err)}`)
        }
      }
    }
    if (reminded) sent++
    await markReminded(svc.db, e.id, now)
  }
  return sent
}
