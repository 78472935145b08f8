import { messageOf } from '../errors'
import { type EscalationDetails, escalationView } from '../escalation/escalations'
import type { AdminChannel } from '../platform'
import type { Services } from '../services'

/**
 * Posts an escalation to every configured admin place (question, asker, draft, sources,
 * actions); each remembers its post, so a retry sends only what is missing. One place failing
 * does not keep the others from being told; the error is thrown after all were tried, so the job
 * is retried for the place that failed. With none, escalations are handled in the web console.
 */
export async function notifyAdmins(svc: Services, escalationId: number): Promise<void> {
  if (svc.platforms.admins.length === 0) return
  // Read once for every place (each decides from it whether it still has to post).
  const view = await escalationView(svc.db, escalationId)
  if (view?.status !== 'open') return
  await eachAdminPlace(svc, `escalation ${escalationId}`, (admin) => admin.notify(view))
}

/** Re-renders the admin messages after a decision: the buttons give way to the outcome. */
export async function refreshAdminMessage(svc: Services, view: EscalationDetails): Promise<void> {
  await eachAdminPlace(svc, `escalation ${view.id}`, (admin) => admin.showDecision(view))
}

async function eachAdminPlace(
  svc: Services,
  what: string,
  fn: (admin: AdminChannel) => Promise<void>,
): Promise<void> {
  let first: unknown
  for (const { platform, channel } of svc.platforms.admins) {
    try {
      await fn(channel)
    } catch (e) {
      svc.warn(`${what}: the ${platform} admin place failed (${messageOf(e)})`)
      first ??= e
    }
  }
  if (first !== undefined) throw first
}
