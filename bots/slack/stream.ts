import type { AnswerStream, StreamHooks } from '../../workers/outbox'
import { throttledStream } from '../stream-throttle'
import type { Place } from '../types'
import type { SlackApi } from './api'
import { answerFooter, answerMessage } from './blocks'
import { toMrkdwn } from './mrkdwn'

/**
 * Least time between two sends of a growing answer: at 1.2 s one answer makes at most 50 a
 * minute. Concurrent answers in one workspace share its limits through the rate budget.
 */
export const STREAM_INTERVAL_MS = 1200

/**
 * What one workspace may spend per minute on the calls a stream can do without, under Slack's
 * documented tiers with a tenth kept back for the calls it cannot (stop, final update, posts):
 * `chat.startStream` Tier 2 (20+), `chat.appendStream` Tier 4 (100+), `chat.update` Tier 3 (50+).
 */
export const STREAM_BUDGET = {
  'chat.startStream': 18,
  'chat.appendStream': 90,
  'chat.update': 45,
} as const

/** Asks the workspace's budget for one optional call; without a budget every call may go. */
export type Admit = (method: keyof typeof STREAM_BUDGET) => Promise<boolean>

/**
 * Streams a generated answer into a Slack thread with `chat.startStream` / `appendStream` /
 * `stopStream`; where streaming is refused (older workspaces, channels without a recipient), falls
 * back to one posted message updated with `chat.update`. Sends are serialized and throttled; the
 * last text always goes out at `finish`.
 */
export function slackAnswerStream(
  slack: SlackApi,
  place: Place,
  asker: string,
  options: { intervalMs?: number; now?: () => number; admit?: Admit } & StreamHooks = {},
): AnswerStream {
  let mode: 'idle' | 'stream' | 'update' = 'idle'
  let ts: string | undefined
  const thread = { channel: place.channel, thread_ts: place.threadTs }
  const admit: Admit = options.admit ?? (async () => true)

  return throttledStream({
    intervalMs: options.intervalMs ?? STREAM_INTERVAL_MS,
    now: options.now,
    warn: options.warn,
    async send(text, shown) {
      if (mode === 'idle') {
        // Over the workspace's budget the answer is not streamed: it is posted whole at the end.
        if (!(await admit('chat.startStream'))) return false
        try {
          const res = await slack.call('chat.startStream', {
            ...thread,
            markdown_text: text,
            recipient_user_id: asker,
            recipient_team_id: place.team,
          })
          ts = res.ts as string
          mode = 'stream'
        } catch {
          // A message's `text` is mrkdwn: the answer goes through the same conversion (and
          // escaping) as the final blocks, so a quoted `<!channel>` stays text.
          const res = await slack.call('chat.postMessage', {
            ...thread,
            text: toMrkdwn(text),
            unfurl_links: false,
          })
          ts = res.ts as string
          mode = 'update'
        }
        await options.onPosted?.(ts)
      } else if (mode === 'stream') {
        if (!(await admit('chat.appendStream'))) return false
        await slack.call('chat.appendStream', {
          channel: place.channel,
          ts,
          markdown_text: text.slice(shown.length),
        })
      } else {
        if (!(await admit('chat.update'))) return false
        await slack.call('chat.update', { channel: place.channel, ts, text: toMrkdwn(text) })
      }
      return true
    },
    async finish(reply, shown) {
      const final = answerMessage(reply)
      if (mode === 'idle') {
        // Nothing streamed reached Slack: the answer goes out whole, or the job fails and retries.
        const res = await slack.call('chat.postMessage', { ...thread, ...final, unfurl_links: false })
        ts = res.ts as string
        await options.onPosted?.(ts)
        return ts
      }
      if (mode === 'stream') {
        const rest = reply.text.startsWith(shown) ? reply.text.slice(shown.length) : ''
        await slack.call('chat.stopStream', {
          channel: place.channel,
          ts,
          ...(rest ? { markdown_text: rest } : {}),
          blocks: answerFooter(reply),
        })
        // The checks removed something already shown (an invented source number): replace it.
        if (!reply.text.startsWith(shown))
          await slack.call('chat.update', { channel: place.channel, ts, ...final })
      } else {
        await slack.call('chat.update', { channel: place.channel, ts, ...final })
      }
      return ts
    },
    async abandon(note, shown) {
      if (mode === 'idle') {
        const res = await slack.call('chat.postMessage', { ...thread, text: note, unfurl_links: false })
        await options.onPosted?.(res.ts as string)
      } else if (mode === 'stream')
        await slack.call('chat.stopStream', { channel: place.channel, ts, markdown_text: `\n\n${note}` })
      else if (mode === 'update')
        await slack.call('chat.update', { channel: place.channel, ts, text: `${toMrkdwn(shown)}\n\n${note}` })
    },
  })
}
