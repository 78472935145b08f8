import { escalationMessage } from '../../bots/slack/blocks'
import { notifyDingTalkAdmins, postDingTalkOutcome } from '../dingtalk/admin'
import { type EscalationDetails, escalationView, setAdminMessage } from '../escalation/escalations'
import type { Services } from '../services'
import { notifyTeamsAdmins, refreshTeamsAdminCard } from '../teams/admin-cards'

/**
 * Posts an escalation to each configured admin place (Slack channel, Teams channel, DingTalk
 * group: question, asker, draft, sources, buttons) and remembers the message so decisions can
 * update it. With none, escalations are handled in the web console only.
 */
export async function notifyAdmins(svc: Services, escalationId: number): Promise<void> {
  await notifyTeamsAdmins(svc, escalationId)
  await notifyDingTalkAdmins(svc, escalationId)
  const channel = svc.config.slack?.adminChannel
  if (!svc.slack || !channel) return
  const view = await escalationView(svc.db, escalationId)
  if (!view || view.row.adminTs) return
  const m = escalationMessage(view)
  const res = await svc.slack.call('chat.postMessage', {
    channel,
    text: m.text,
    blocks: m.blocks,
    unfurl_links: false,
  })
  if (typeof res.ts === 'string') await setAdminMessage(svc.db, escalationId, channel, res.ts)
}

/** Re-renders the admin message after a decision: the buttons give way to the outcome. */
export async function refreshAdminMessage(svc: Services, view: EscalationDetails): Promise<void> {
  await refreshTeamsAdminCard(svc, view)
  await postDingTalkOutcome(svc, view)
  if (!svc.slack || !view.row.adminChannel || !view.row.adminTs) return
  const m = escalationMessage(view)
  await svc.slack.call('chat.update', {
    channel: view.row.adminChannel,
    ts: view.row.adminTs,
    text: m.text,
    blocks: m.blocks,
  })
}
