import { cachedMembership } from '../../workers/audiences/cache'
import { parkedAlertText } from '../../workers/messages'
import type { Platform } from '../../workers/platform'
import type { Services } from '../../workers/services'
import { escapeMarkdown, markdownMarkup } from '../markdown'
import { personLabel } from '../reply'
import { dingTalkAdminChannel } from './admin'
import type { DingTalkApi } from './api'
import type { DingTalkSession } from './events'
import { noteMarkdown } from './markdown'
import { dingTalkOutbox } from './outbox'

/**
 * DingTalk for the core: replies through the question's session webhook while it is valid, then
 * the robot API; the admins' group (`DINGTALK_ADMIN_CONVERSATION`) with its approval page.
 * Present when `DINGTALK_APP_KEY` and `DINGTALK_APP_SECRET` are set.
 */
export function dingTalkPlatform(svc: Omit<Services, 'platforms'>, api: DingTalkApi): Platform {
  const admin = svc.config.dingtalk?.admin
  return {
    name: 'dingtalk',
    markup: markdownMarkup,
    outbox: (_place, replyVia) => dingTalkOutbox(api, sessionOf(replyVia)),
    ...(admin ? { admin: dingTalkAdminChannel(svc, api, admin) } : {}),
    async groupsOf(user, candidates) {
      const departments = await cachedMembership(`dingtalk:${user}`, () => api.departmentsOf(user))
      return candidates.filter((c) => departments.includes(c))
    },
  }
}

/** The session webhook a question came with (the job carries it as the platform gave it). */
function sessionOf(replyVia: Record<string, unknown> | undefined): DingTalkSession | undefined {
  const s = replyVia?.session as Partial<DingTalkSession> | undefined
  return s && typeof s.url === 'string' && typeof s.expiresAt === 'number'
    ? (s as DingTalkSession)
    : undefined
}

/** The parked-job alert as DingTalk Markdown: people by name. */
export const dingTalkParkedAlert = (n: Parameters<typeof parkedAlertText>[0]) =>
  noteMarkdown(
    `⚠️ ${parkedAlertText(n, markdownMarkup, (id, name) => escapeMarkdown(personLabel(id, name)))}`,
    'en',
  )
