import { z } from 'zod'
import { parseJsonPayload } from '../payload'
import type { InboundEvent, Place } from '../types'

/**
 * DingTalk robot messages (HTTP callback mode) into the core's `InboundEvent`. Only the fields we
 * read are validated. A 1:1 chat (`conversationType` "1") is one running conversation, so its
 * follow-ups have history; each @mention in a group (`"2"`) starts its own. DingTalk has no
 * threads: the place's `threadTs` is `dm` for a 1:1 chat and the message id in a group. A 1:1
 * place's channel is `user:<staffId>` and a group's is its `openConversationId`: exactly what the
 * robot API needs to reach them again after the message's session webhook expired.
 */
const Message = z.object({
  msgId: z.string().min(1),
  msgtype: z.string(),
  createAt: z.number().optional(),
  conversationType: z.enum(['1', '2']),
  conversationId: z.string().min(1),
  conversationTitle: z.string().optional(),
  senderId: z.string().optional(),
  senderStaffId: z.string().optional(),
  senderNick: z.string().optional(),
  chatbotCorpId: z.string().optional(),
  /** The sender's organisation: another one's in a cross-organisation group. */
  senderCorpId: z.string().optional(),
  robotCode: z.string().optional(),
  isInAtList: z.boolean().optional(),
  sessionWebhook: z.url().optional(),
  sessionWebhookExpiredTime: z.number().optional(),
  text: z.object({ content: z.string() }).optional(),
})

/** Where and until when a reply may go through the message's own session webhook. */
export interface DingTalkSession {
  url: string
  expiresAt: number
  /** In a group, the asker: replies through the session @mention them so they are notified. */
  atUserId?: string
}

/**
 * "转人工" (or "human"): the asker wants the policy team to check their last answer. DingTalk
 * answers carry no buttons, so this is DingTalk's "Ask a human".
 */
export interface DingTalkHandoff {
  kind: 'handoff'
  place: Place
  asker: string
  dedupeKey: string
}

export type DingTalkEvent = (InboundEvent | DingTalkHandoff) & { session?: DingTalkSession }

const HANDOFF = /^(转人工|人工|找人工|人工服务|人工客服|human|ask a human|talk to a human)$/i

/** Parses a callback body; throws `MalformedPayloadError` only for malformed input. */
export function parseDingTalkEvent(rawBody: string): DingTalkEvent {
  const m = parseJsonPayload(Message, rawBody, {
    notJson: 'The body is not JSON.',
    what: 'Not a DingTalk robot message',
  })
  if (m.msgtype !== 'text' || !m.text) {
    return { kind: 'unsupported', type: m.msgtype, reason: 'only text messages are answered' }
  }
  const group = m.conversationType === '2'
  if (group && m.isInAtList === false) {
    return { kind: 'unsupported', type: 'group_message', reason: 'not addressed to the bot' }
  }
  const asker = m.senderStaffId ?? m.senderId
  if (!asker) return { kind: 'unsupported', type: 'text', reason: 'no sender' }
  // In a group the @mention itself is not in `content`; what remains may start with spaces.
  const text = m.text.content.replace(/^\s*@\S+\s+/, '').trim()
  if (!text) return { kind: 'unsupported', type: 'text', reason: 'empty message' }
  const place: Place = {
    platform: 'dingtalk',
    team: m.chatbotCorpId ?? 'dingtalk',
    channel: group ? m.conversationId : `user:${asker}`,
    threadTs: group ? m.msgId : 'dm',
  }
  const session =
    m.sessionWebhook && m.sessionWebhookExpiredTime
      ? {
          session: {
            url: m.sessionWebhook,
            expiresAt: m.sessionWebhookExpiredTime,
            ...(group && m.senderStaffId ? { atUserId: m.senderStaffId } : {}),
          },
        }
      : {}
  if (HANDOFF.test(text.replace(/[\s。.!！?？]+$/u, ''))) {
    return { kind: 'handoff', place, asker, dedupeKey: `dingtalk:${m.msgId}`, ...session }
  }
  // Someone of another organisation (a group shared across organisations): refused politely.
  const outsider = !!(m.senderCorpId && m.chatbotCorpId && m.senderCorpId !== m.chatbotCorpId)
  return {
    kind: 'question',
    ...(outsider ? { outsider: true as const } : {}),
    place,
    messageTs: m.msgId,
    asker,
    ...(m.senderNick ? { askerName: m.senderNick } : {}),
    text,
    trigger: group ? 'mention' : 'dm',
    dedupeKey: `dingtalk:${m.msgId}`,
    ...session,
  }
}
