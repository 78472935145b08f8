import { PolicybotError } from '../../workers/errors'
import { setAdminMessage } from '../../workers/escalation/escalations'
import { parkedAlertText, reminderText } from '../../workers/messages'
import type { AdminChannel, Markup, Platform } from '../../workers/platform'
import type { Services } from '../../workers/services'
import type { InboundFile } from '../types'
import type { SlackApi } from './api'
import { assistantThreadStarted } from './assistant'
import { escalationMessage, slackPerson } from './blocks'
import { escapeText } from './mrkdwn'
import { responseUrlOutbox, slackOutbox } from './outbox'
import { STREAM_BUDGET } from './stream'

/** Slack mrkdwn. */
export const slackMarkup: Markup = {
  escape: escapeText,
  bold: (s) => `*${s}*`,
  italic: (s) => `_${s}_`,
}

/**
 * Slack for the core: replies in threads (or through a slash command's `response_url`), the
 * admin channel (`SLACK_ADMIN_CHANNEL`), user groups in `POLICY_ADMINS`, handbook uploads and
 * the assistant pane. Present when `SLACK_BOT_TOKEN` is set.
 */
export function slackPlatform(svc: Omit<Services, 'platforms'>, slack: SlackApi): Platform {
  const channel = svc.config.slack?.adminChannel
  const budget = svc.budget
  return {
    name: 'slack',
    markup: slackMarkup,
    outbox: (place, replyVia) =>
      typeof replyVia?.responseUrl === 'string'
        ? responseUrlOutbox(replyVia.responseUrl)
        : slackOutbox(
            slack,
            budget && ((method) => budget.take(`slack:${place.team}`, method, STREAM_BUDGET[method])),
          ),
    ...(channel ? { admin: slackAdminChannel(svc, slack, channel) } : {}),
    async groupMembers(group) {
      const res = await slack.call('usergroups.users.list', { usergroup: group })
      return (res.users as string[] | undefined) ?? []
    },
    download: (file, maxBytes) => download(slack, file, maxBytes),
    greet: (place) => assistantThreadStarted(slack, place),
  }
}

/**
 * Escalations in the admin channel: posted once (the message's `ts` kept on the escalation),
 * reminders in its thread, the message re-rendered after a decision, parked-job alerts.
 */
function slackAdminChannel(svc: Omit<Services, 'platforms'>, slack: SlackApi, channel: string): AdminChannel {
  return {
    async notify(view) {
      if (view.row.adminTs) return
      const m = escalationMessage(view)
      const res = await slack.call('chat.postMessage', {
        channel,
        text: m.text,
        blocks: m.blocks,
        unfurl_links: false,
      })
      if (typeof res.ts === 'string') await setAdminMessage(svc.db, view.id, channel, res.ts)
    },
    async remind(view, hours) {
      if (!view.row.adminChannel || !view.row.adminTs) return false
      await slack.call('chat.postMessage', {
        channel: view.row.adminChannel,
        thread_ts: view.row.adminTs,
        text: `:bell: ${reminderText(hours)}`,
      })
      return true
    },
    async showDecision(view) {
      if (!view.row.adminChannel || !view.row.adminTs) return
      const m = escalationMessage(view)
      await slack.call('chat.update', {
        channel: view.row.adminChannel,
        ts: view.row.adminTs,
        text: m.text,
        blocks: m.blocks,
      })
    },
    async alertParked(notice) {
      const text = parkedAlertText(notice, slackMarkup, slackPerson)
      await slack.call('chat.postMessage', { channel, text: `:warning: ${text}` })
    },
  }
}

/**
 * A shared file's bytes: the link from the event, or from `files.info` when the event carried
 * none (Slack leaves it out of some file events). A web page where a file was expected is refused
 * unless the file is one.
 */
async function download(slack: SlackApi, f: InboundFile, maxBytes: number): Promise<Uint8Array> {
  let url = f.url
  if (!url) {
    const res = await slack.call('files.info', { file: f.id })
    const file = (res.file ?? {}) as { url_private_download?: string; url_private?: string }
    url = file.url_private_download ?? file.url_private ?? ''
    if (!url) throw new PolicybotError('PLATFORM_ERROR', 'Slack gave no download link for this file')
  }
  const html = /\.html?$/i.test(f.name) || f.mimetype === 'text/html'
  // Awaited here: a refusal thrown before the download's first await is a promise already
  // rejected, and workerd reports one that is handed on unobserved for a tick as unhandled.
  return await slack.download(url, maxBytes, { html })
}
