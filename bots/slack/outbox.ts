import type { Outbox } from '../../workers/outbox'
import type { SlackApi } from './api'
import { answerMessage, type SlackMessage } from './blocks'
import { type Admit, slackAnswerStream } from './stream'

/**
 * Posts into Slack threads with `chat.postMessage`; streams generated answers within the
 * workspace's budget (`admit`).
 */
export function slackOutbox(slack: SlackApi, admit?: Admit): Outbox {
  const post = async (channel: string, threadTs: string, m: SlackMessage) => {
    const res = await slack.call('chat.postMessage', {
      channel,
      // Slash-command questions have no thread: late replies go to the asker's DM as new messages.
      ...(threadTs.startsWith('command:') ? {} : { thread_ts: threadTs }),
      text: m.text,
      ...(m.blocks.length ? { blocks: m.blocks } : {}),
      unfurl_links: false,
      unfurl_media: false,
    })
    return typeof res.ts === 'string' ? res.ts : undefined
  }
  return {
    answer: (place, reply) => post(place.channel, place.threadTs, answerMessage(reply)),
    text: (place, text, o) =>
      post(place.channel, place.threadTs, {
        text: o?.mention ? `<@${o.mention}> ${text}` : text,
        blocks: [],
      }),
    stream: (place, asker, hooks) =>
      slackAnswerStream(slack, place, asker, { ...hooks, ...(admit ? { admit } : {}) }),
    async replace(place, ts, content) {
      // A stream the failed attempt left open is closed first (refused if it was not one).
      await slack.call('chat.stopStream', { channel: place.channel, ts }).catch(() => {})
      const m = 'reply' in content ? answerMessage(content.reply) : { text: content.text, blocks: [] }
      await slack.call('chat.update', { channel: place.channel, ts, text: m.text, blocks: m.blocks })
    },
    // Cleared by Slack when the reply is posted.
    working: async (place) => {
      await slack.call('assistant.threads.setStatus', {
        channel_id: place.channel,
        thread_ts: place.threadTs,
        status: 'is looking through the handbooks…',
      })
    },
  }
}

/**
 * Replies through a slash command's `response_url`: ephemeral, seen only by the person who asked.
 * The URL comes from Slack's signed request and is only ever a Slack hooks URL in production.
 */
export function responseUrlOutbox(
  responseUrl: string,
  doFetch: typeof fetch = (i, init) => fetch(i, init),
): Outbox {
  const send = async (m: SlackMessage) => {
    const res = await doFetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        response_type: 'ephemeral',
        replace_original: false,
        text: m.text,
        blocks: m.blocks,
      }),
    })
    if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`)
    return undefined
  }
  return {
    answer: (_place, reply) => send(answerMessage(reply)),
    text: (_place, text) => send({ text, blocks: [] }),
  }
}
