import { z } from 'zod'
import { parseJsonPayload } from '../payload'
import { MalformedPayloadError } from '../types'

/** A button press, a modal submission, or something the bot does not handle. */
export type SlackInteraction =
  | {
      kind: 'action'
      actionId: string
      value: string
      user: string
      team: string
      channel: string | undefined
      /** The message carrying the button, and its thread. */
      messageTs: string | undefined
      threadTs: string | undefined
      triggerId: string
      responseUrl: string | undefined
    }
  | {
      kind: 'view_submission'
      callbackId: string
      privateMetadata: string
      user: string
      team: string
      /** Input values by block id (each block has one input). */
      values: Record<string, string>
    }
  | { kind: 'unsupported'; type: string }

const ActionSchema = z.object({
  action_id: z.string(),
  type: z.string().optional(),
  value: z.string().optional(),
  selected_option: z.object({ value: z.string() }).optional(),
})

const PayloadSchema = z.object({
  type: z.string(),
  user: z.object({ id: z.string(), team_id: z.string().optional() }),
  team: z.object({ id: z.string() }).nullable().optional(),
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
  channel: z.object({ id: z.string() }).optional(),
  container: z
    .object({
      message_ts: z.string().optional(),
      thread_ts: z.string().optional(),
      channel_id: z.string().optional(),
    })
    .loose()
    .optional(),
  message: z.object({ ts: z.string().optional(), thread_ts: z.string().optional() }).loose().optional(),
  actions: z.array(ActionSchema).optional(),
  view: z
    .object({
      callback_id: z.string(),
      private_metadata: z.string().optional(),
      state: z
        .object({
          values: z.record(
            z.string(),
            z.record(z.string(), z.object({ value: z.string().nullish() }).loose()),
          ),
        })
        .optional(),
    })
    .loose()
    .optional(),
})

/**
 * Parses an interactivity request body (`application/x-www-form-urlencoded` with a JSON `payload`
 * field) into a `SlackInteraction`. Throws `MalformedPayloadError` for a body that is not one.
 */
export function parseSlackInteraction(rawBody: string): SlackInteraction {
  const payload = new URLSearchParams(rawBody).get('payload')
  if (!payload) throw new MalformedPayloadError('Interactivity body has no `payload` form field.')
  const p = parseJsonPayload(PayloadSchema, payload, {
    notJson: 'The `payload` form field is not JSON.',
    what: 'Not a Slack interaction payload',
    root: 'payload',
  })
  const team = p.team?.id ?? p.user.team_id ?? ''
  if (p.type === 'block_actions') {
    const action = p.actions?.[0]
    if (!action) throw new MalformedPayloadError('block_actions payload without actions.')
    return {
      kind: 'action',
      actionId: action.action_id,
      value: action.value ?? action.selected_option?.value ?? '',
      user: p.user.id,
      team,
      channel: p.channel?.id ?? p.container?.channel_id,
      messageTs: p.container?.message_ts ?? p.message?.ts,
      threadTs: p.container?.thread_ts ?? p.message?.thread_ts,
      triggerId: p.trigger_id ?? '',
      responseUrl: p.response_url,
    }
  }
  if (p.type === 'view_submission' && p.view) {
    const values: Record<string, string> = {}
    for (const [block, inputs] of Object.entries(p.view.state?.values ?? {})) {
      const first = Object.values(inputs)[0]
      values[block] = first?.value ?? ''
    }
    return {
      kind: 'view_submission',
      callbackId: p.view.callback_id,
      privateMetadata: p.view.private_metadata ?? '',
      user: p.user.id,
      team,
      values,
    }
  }
  return { kind: 'unsupported', type: p.type }
}

/** A slash command invocation (form fields as Slack posts them). */
export interface SlackCommand {
  command: string
  text: string
  user: string
  team: string
  /** The Enterprise Grid organisation, where there is one. */
  enterprise?: string
  channel: string
  responseUrl: string
  triggerId: string
}

/** Parses a slash command body; throws `MalformedPayloadError` when required fields are missing. */
export function parseSlackCommand(rawBody: string): SlackCommand {
  const f = new URLSearchParams(rawBody)
  const need = ['command', 'user_id', 'channel_id', 'team_id'] as const
  const missing = need.filter((k) => !f.get(k))
  if (missing.length) throw new MalformedPayloadError(`Slash command body lacks ${missing.join(', ')}.`)
  return {
    command: f.get('command') ?? '',
    text: (f.get('text') ?? '').trim(),
    user: f.get('user_id') ?? '',
    team: f.get('team_id') ?? '',
    ...(f.get('enterprise_id') ? { enterprise: f.get('enterprise_id') as string } : {}),
    channel: f.get('channel_id') ?? '',
    responseUrl: f.get('response_url') ?? '',
    triggerId: f.get('trigger_id') ?? '',
  }
}
