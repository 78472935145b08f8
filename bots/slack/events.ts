import { z } from 'zod'
import { parseJsonPayload } from '../payload'
import { type InboundEvent, type InboundFile, MalformedPayloadError, type Place } from '../types'

// Minimal schemas: only the fields we read (Slack adds fields freely).
const FileSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  title: z.string().optional(),
  size: z.number().optional(),
  mimetype: z.string().optional(),
  url_private_download: z.string().optional(),
  url_private: z.string().optional(),
})

const EventSchema = z.object({
  type: z.string(),
  subtype: z.string().optional(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  bot_profile: z.unknown().optional(),
  text: z.string().optional(),
  ts: z.string().optional(),
  thread_ts: z.string().optional(),
  channel: z.string().optional(),
  channel_type: z.string().optional(),
  /** The poster's own workspace, in channels shared with other workspaces (Slack Connect). */
  user_team: z.string().optional(),
  team: z.string().optional(),
  files: z.array(FileSchema).optional(),
  assistant_thread: z
    .object({ user_id: z.string(), channel_id: z.string(), thread_ts: z.string() })
    .optional(),
})

const EnvelopeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('url_verification'), challenge: z.string() }),
  z.object({
    type: z.literal('event_callback'),
    team_id: z.string(),
    enterprise_id: z.string().nullish(),
    is_ext_shared_channel: z.boolean().optional(),
    event_id: z.string(),
    event: EventSchema,
    authorizations: z
      .array(z.object({ user_id: z.string().optional(), is_bot: z.boolean().optional() }))
      .optional(),
  }),
  z.object({ type: z.literal('app_rate_limited') }).loose(),
])

/** The subtypes of `message` that are still a person posting. */
const PERSON_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast'])

/**
 * Parses an Events API body (the raw JSON text) into an `InboundEvent`. Malformed JSON or an
 * envelope without the fields Slack always sends throws `MalformedPayloadError`; events the bot
 * does not act on (other bots, edits, channel chatter not addressed to it) are `unsupported`.
 * `botUserId` is the bot's own user id, when known, to strip its mention and ignore its own posts.
 */
export function parseSlackEvent(
  rawBody: string,
  botUserId?: string,
  allowedTeams: ReadonlySet<string> = new Set(),
): InboundEvent {
  const env = parseJsonPayload(EnvelopeSchema, rawBody, {
    notJson: 'Body is not JSON: Slack sends events as application/json.',
    what: 'Not a Slack event envelope',
  })
  if (env.type === 'url_verification') return { kind: 'url_verification', challenge: env.challenge }
  if (env.type !== 'event_callback') return { kind: 'unsupported', type: env.type, reason: 'not an event' }
  const ev = env.event
  const bot = botUserId ?? env.authorizations?.find((a) => a.is_bot)?.user_id
  const team = env.team_id
  // SLACK_TEAMS: the workspaces (T…) and Enterprise Grid organisations (E…) this deployment serves.
  if (
    allowedTeams.size &&
    !allowedTeams.has(team) &&
    !(env.enterprise_id && allowedTeams.has(env.enterprise_id))
  )
    return { kind: 'unsupported', type: env.event.type, reason: 'workspace not allowed (SLACK_TEAMS)' }
  // Someone of another organisation, posting in a Slack Connect channel or DM. Inside an
  // Enterprise Grid another workspace of the same organisation is a colleague, unless the channel
  // is shared with an external organisation.
  const askerTeam = env.event.user_team ?? env.event.team ?? team
  const outsider =
    askerTeam !== team &&
    !allowedTeams.has(askerTeam) &&
    (!env.enterprise_id || env.is_ext_shared_channel === true)

  if (outsider && ev.type === 'assistant_thread_started')
    return { kind: 'unsupported', type: ev.type, reason: 'another organisation' }
  if (ev.type === 'assistant_thread_started' && ev.assistant_thread) {
    const t = ev.assistant_thread
    return {
      kind: 'assistant_thread_started',
      place: { platform: 'slack', team, channel: t.channel_id, threadTs: t.thread_ts },
      user: t.user_id,
      dedupeKey: `slack:event:${env.event_id}`,
    }
  }
  if (ev.type !== 'app_mention' && ev.type !== 'message') {
    return { kind: 'unsupported', type: ev.type, reason: 'event type not handled' }
  }
  if (ev.bot_id || ev.bot_profile || ev.subtype === 'bot_message' || (bot && ev.user === bot)) {
    return { kind: 'unsupported', type: ev.type, reason: 'posted by a bot' }
  }
  if (!PERSON_SUBTYPES.has(ev.subtype)) {
    return { kind: 'unsupported', type: `${ev.type}.${ev.subtype}`, reason: 'not a new post' }
  }
  if (!ev.user || !ev.ts || !ev.channel) {
    throw new MalformedPayloadError(`${ev.type} event without user, ts or channel`)
  }
  const place: Place = { platform: 'slack', team, channel: ev.channel, threadTs: ev.thread_ts ?? ev.ts }
  // One post arrives as `app_mention` and as `message`; both (and Slack's retries) share this key.
  const dedupeKey = `slack:${team}:${ev.channel}:${ev.ts}`
  const rawText = ev.text ?? ''
  const mentioned = bot ? rawText.includes(`<@${bot}>`) : ev.type === 'app_mention'
  const text = cleanText(rawText, bot)
  const isDm = ev.channel_type === 'im'

  // Files from another organisation are never ingested, nor answered.
  if (outsider && ev.files?.length && isDm)
    return { kind: 'unsupported', type: ev.type, reason: 'another organisation' }
  const from = outsider ? { outsider: true as const } : {}
  if (isDm && ev.files?.length) {
    return {
      kind: 'upload',
      place,
      messageTs: ev.ts,
      uploader: ev.user,
      files: ev.files.map(toFile),
      text,
      dedupeKey,
    }
  }
  if (!text) return { kind: 'unsupported', type: ev.type, reason: 'no text' }
  // In a DM the bot is the only other reader, mentioned or not: the answer is private.
  if ((ev.type === 'app_mention' || mentioned) && !isDm) {
    return {
      kind: 'question',
      place,
      messageTs: ev.ts,
      asker: ev.user,
      text,
      trigger: 'mention',
      dedupeKey,
      ...from,
    }
  }
  if (isDm) {
    // A DM inside a thread is the assistant pane (split view), where a status line can show.
    const trigger = ev.thread_ts && ev.thread_ts !== ev.ts ? 'assistant' : 'dm'
    return { kind: 'question', place, messageTs: ev.ts, asker: ev.user, text, trigger, dedupeKey, ...from }
  }
  if (ev.thread_ts && ev.thread_ts !== ev.ts) {
    // A reply in a thread without a mention: a question only if the bot is answering that thread
    // (the Worker checks); otherwise channel chatter.
    return {
      kind: 'question',
      place,
      messageTs: ev.ts,
      asker: ev.user,
      text,
      trigger: 'thread',
      dedupeKey,
      ...from,
    }
  }
  return { kind: 'unsupported', type: ev.type, reason: 'not addressed to the bot' }
}

function toFile(f: z.infer<typeof FileSchema>): InboundFile {
  return {
    id: f.id,
    name: f.name ?? f.title ?? f.id,
    size: f.size ?? 0,
    mimetype: f.mimetype ?? 'application/octet-stream',
    url: f.url_private_download ?? f.url_private ?? '',
  }
}

/**
 * The question as a person wrote it: the bot's mention removed, other mentions and links shown as
 * their labels, Slack's HTML escapes undone.
 */
export function cleanText(text: string, botUserId?: string): string {
  let t = text
  if (botUserId) t = t.split(`<@${botUserId}>`).join(' ')
  t = t
    .replace(/<@([A-Z0-9]+)(?:\|([^>]+))?>/g, (_m, id: string, label?: string) => `@${label ?? id}`)
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, '#$1')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/<!([a-z]+)(?:\|[^>]*)?>/g, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
  return t.replace(/\s+/g, ' ').trim()
}
