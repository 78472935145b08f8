import type { AnswerStream, StreamHooks } from '../../workers/outbox'
import { safeMarkdownLinks } from '../markdown'
import { throttledStream } from '../stream-throttle'
import type { Place } from '../types'
import { answerCard } from './cards'
import { type BotConnector, BotConnectorError } from './connector'

/**
 * Least time between two updates of a growing answer: Teams allows one streaming request a second
 * and asks bots to send one every 1.5 to 2 seconds.
 */
export const TEAMS_STREAM_INTERVAL_MS = 1500

const CARD = 'application/vnd.microsoft.card.adaptive'

/**
 * Streams a generated answer into Teams. In a one-on-one chat it uses Teams' streaming protocol:
 * `typing` activities carrying a `streaminfo` entity (the first one's id becomes the `streamId`,
 * the sequence grows by one, each text contains all the text before), then one final `message`
 * with the answer card, which replaces the streamed text. Teams streams only in personal chats;
 * elsewhere (or if Teams refuses the stream) the answer is one posted message updated in place
 * (`PUT …/activities/{id}`), which becomes the card at the end.
 */
export function teamsAnswerStream(
  connector: BotConnector,
  serviceUrl: () => Promise<string>,
  place: Place,
  options: { intervalMs?: number; now?: () => number } & StreamHooks = {},
): AnswerStream {
  // `stopped`: the person pressed Stop in Teams (403 ContentStreamNotAllowed); nothing more is sent.
  let mode: 'idle' | 'stream' | 'update' | 'stopped' = 'idle'
  let id: string | undefined
  let sequence = 0
  const conversation = place.channel
  const streamInfo = (streamType: 'streaming' | 'final') => ({
    type: 'streaminfo',
    ...(id ? { streamId: id } : {}),
    streamType,
    ...(streamType === 'streaming' ? { streamSequence: ++sequence } : {}),
  })
  const postText = async (text: string) => {
    id = await connector.send(await serviceUrl(), conversation, {
      type: 'message',
      text,
      textFormat: 'markdown',
    })
    mode = 'update'
    if (id) await options.onPosted?.(id)
  }
  /** A streaming request Teams refused because the person stopped the stream ends it quietly. */
  const stoppedByUser = (e: unknown) =>
    mode === 'stream' &&
    e instanceof BotConnectorError &&
    e.httpStatus === 403 &&
    /ContentStreamNotAllowed/.test(e.message)

  /** The last activity: the stream's final message, or the posted message's replacement. */
  const end = async (activity: Record<string, unknown>) => {
    const url = await serviceUrl()
    if (mode === 'stream') {
      await connector.send(url, conversation, { ...activity, entities: [streamInfo('final')] })
    } else {
      await connector.update(url, conversation, id as string, activity)
    }
  }

  return throttledStream({
    intervalMs: options.intervalMs ?? TEAMS_STREAM_INTERVAL_MS,
    now: options.now,
    warn: options.warn,
    async send(streamed) {
      if (mode === 'stopped') return
      // Each send carries the whole text so far: it is shown as Markdown, without hostile links.
      const text = safeMarkdownLinks(streamed)
      const url = await serviceUrl()
      if (mode === 'idle' && place.threadTs === 'dm') {
        try {
          id = await connector.send(url, conversation, {
            type: 'typing',
            text,
            entities: [streamInfo('streaming')],
          })
          mode = 'stream'
          if (id) await options.onPosted?.(id)
        } catch {
          await postText(text)
        }
      } else if (mode === 'idle') {
        await postText(text)
      } else if (mode === 'stream') {
        try {
          await connector.send(url, conversation, {
            type: 'typing',
            text,
            entities: [streamInfo('streaming')],
          })
        } catch (e) {
          if (!stoppedByUser(e)) throw e
          mode = 'stopped'
        }
      } else {
        await connector.update(url, conversation, id as string, {
          type: 'message',
          text,
          textFormat: 'markdown',
        })
      }
    },
    async finish(reply) {
      const card = {
        type: 'message',
        summary: reply.text.slice(0, 1000),
        attachments: [{ contentType: CARD, content: answerCard(reply) }],
      }
      // The person stopped the stream: what they saw is what they wanted.
      if (mode === 'stopped') return id
      if (mode === 'idle') {
        // Nothing streamed reached Teams: the answer goes out whole, or the job fails and retries.
        id = await connector.send(await serviceUrl(), conversation, card)
        if (id) await options.onPosted?.(id)
        return id
      }
      try {
        // Teams' streaming protocol wants the final message's text (it replaces the streamed
        // text); the card carries the sources and buttons.
        await end(
          mode === 'stream' ? { ...card, text: safeMarkdownLinks(reply.text), textFormat: 'markdown' } : card,
        )
      } catch (e) {
        if (!stoppedByUser(e)) throw e
      }
      return id
    },
    async abandon(note, shown) {
      if (mode === 'stopped') return
      if (mode === 'idle') {
        await postText(note)
        return
      }
      await end({ type: 'message', text: `${safeMarkdownLinks(shown)}\n\n${note}`, textFormat: 'markdown' })
    },
  })
}
