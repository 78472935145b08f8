import { z } from 'zod'
import { parseJsonPayload } from '../payload'
import type { InboundEvent, Place } from '../types'

/**
 * Bot Framework activities from Teams into the core's `InboundEvent`, validating only the fields
 * we read. A message in a 1:1 chat is a question; in a channel or group chat only when it
 * @mentions the bot (the `<at>` tag is removed). A personal chat is one running conversation
 * (`threadTs` = `dm`); in a channel the thread is the conversation id's `;messageid=` root, or
 * the message itself when it starts one. Everything else is acknowledged and ignored for now.
 */
const Account = z.object({ id: z.string(), name: z.string().optional(), aadObjectId: z.string().optional() })

export const ActivitySchema = z.object({
  type: z.string(),
  id: z.string().optional(),
  serviceUrl: z.url(),
  channelId: z.string(),
  from: Account.optional(),
  recipient: Account.optional(),
  conversation: z.object({
    id: z.string(),
    conversationType: z.string().optional(),
    tenantId: z.string().optional(),
  }),
  text: z.string().optional(),
  name: z.string().optional(),
  value: z.unknown().optional(),
  entities: z
    .array(z.object({ type: z.string(), mentioned: Account.optional(), text: z.string().optional() }))
    .optional(),
  channelData: z.object({ tenant: z.object({ id: z.string() }).optional() }).optional(),
})
export type Activity = z.infer<typeof ActivitySchema>

/** Parses the body; throws `MalformedPayloadError` only for malformed input. */
export function parseActivity(rawBody: string): Activity {
  return parseJsonPayload(ActivitySchema, rawBody, {
    notJson: 'The body is not JSON.',
    what: 'Not a Bot Framework activity',
  })
}

/** The tenant an activity comes from. */
export function tenantOf(a: Activity): string | undefined {
  return a.conversation.tenantId ?? a.channelData?.tenant?.id
}

export function teamsEvent(a: Activity): InboundEvent {
  if (a.type !== 'message') return { kind: 'unsupported', type: a.type, reason: 'not a message' }
  if (a.channelId !== 'msteams') return { kind: 'unsupported', type: a.channelId, reason: 'not Teams' }
  if (!a.id || !a.from || !a.text) return { kind: 'unsupported', type: 'message', reason: 'no text' }
  const personal = (a.conversation.conversationType ?? 'personal') === 'personal'
  const botId = a.recipient?.id
  const mentionsBot = (a.entities ?? []).some((e) => e.type === 'mention' && e.mentioned?.id === botId)
  if (!personal && !mentionsBot)
    return { kind: 'unsupported', type: 'message', reason: 'not addressed to the bot' }
  const text = a.text
    .replace(/<at>[^<]*<\/at>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  if (!text) return { kind: 'unsupported', type: 'message', reason: 'empty message' }
  const root = /;messageid=(\d+)/.exec(a.conversation.id)?.[1]
  const place: Place = {
    platform: 'teams',
    team: tenantOf(a) ?? 'teams',
    channel: a.conversation.id,
    threadTs: personal ? 'dm' : (root ?? a.id),
  }
  return {
    kind: 'question',
    place,
    messageTs: a.id,
    asker: a.from.aadObjectId ?? a.from.id,
    ...(a.from.name ? { askerName: a.from.name } : {}),
    text,
    trigger: personal ? 'dm' : 'mention',
    dedupeKey: `teams:${a.conversation.id}:${a.id}`,
  }
}

/** A Universal Action (`Action.Execute`) pressed on one of the bot's cards. */
export interface CardAction {
  verb: string
  data: Record<string, unknown>
  /** Who pressed it (AAD object id, as questions record the asker). */
  user: string
  /** Their display name. */
  userName?: string
}

const InvokeValue = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.string(),
    data: z.record(z.string(), z.unknown()).optional(),
  }),
})

/** The card action of an `adaptiveCard/action` invoke, or undefined for any other activity. */
export function cardAction(a: Activity): CardAction | undefined {
  if (a.type !== 'invoke' || a.name !== 'adaptiveCard/action' || !a.from) return undefined
  const v = InvokeValue.safeParse(a.value)
  if (!v.success) return undefined
  return {
    verb: v.data.action.verb,
    data: v.data.action.data ?? {},
    user: a.from.aadObjectId ?? a.from.id,
    ...(a.from.name ? { userName: a.from.name } : {}),
  }
}
