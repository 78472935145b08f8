import type { SlackApi } from '../../bots/slack/api'
import { answerFooter, answerMessage } from '../../bots/slack/blocks'
import type { Place } from '../../bots/types'
import type { AnswerStream } from '../outbox'
import { throttledStream } from '../stream-throttle'

/** Least time between two sends of a growing answer (Slack: appendStream Tier 4, update ~1/s). */
export const STREAM_INTERVAL_MS = 500

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
  options: { intervalMs?: number; now?: () => number } = {},
): AnswerStream {
  let mode: 'idle' | 'stream' | 'update' = 'idle'
  let ts: string | undefined
  const thread = { channel: place.channel, thread_ts: place.threadTs }

  return throttledStream({
    intervalMs: options.intervalMs ?? STREAM_INTERVAL_MS,
    now: options.now,
    async send(text, shown) {
      if (mode === 'idle') {
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
          const res = await slack.call('chat.postMessage', { ...thread, text, unfurl_links: false })
          ts = res.ts as string
          mode = 'update'
        }
      } else if (mode === 'stream') {
        await slack.call('chat.appendStream', {
          channel: place.channel,
          ts,
          markdown_text: text.slice(shown.length),
        })
      } else {
        await slack.call('chat.update', { channel: place.channel, ts, text })
      }
    },
    async finish(reply, shown) {
      if (mode === 'idle') return undefined
      const final = answerMessage(reply)
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
      if (mode === 'stream')
        await slack.call('chat.stopStream', { channel: place.channel, ts, markdown_text: `\n\n${note}` })
      else if (mode === 'update')
        await slack.call('chat.update', { channel: place.channel, ts, text: `${shown}\n\n${note}` })
    },
  })
}
