import type { Db } from '../../workers/db/client'
import { PolicybotError, retryAdvice } from '../../workers/errors'
import type { Outbox } from '../../workers/outbox'
import { answerCard } from './cards'
import type { BotConnector } from './connector'
import { serviceUrlOf } from './conversations'
import { teamsAnswerStream } from './stream'

/**
 * Replies into a Teams conversation through the Bot Connector: answers as Adaptive Cards, notes
 * as Markdown text. The conversation's `serviceUrl` comes from the last activity the bot received
 * there, so replies made long after the question (an approval) still find it. Generated answers
 * stream (`teamsAnswerStream`).
 */
export function teamsOutbox(connector: BotConnector, db: Db): Outbox {
  const where = async (conversationId: string) => {
    const url = await serviceUrlOf(db, conversationId)
    if (!url)
      throw new PolicybotError(
        'PLATFORM_ERROR',
        `no serviceUrl known for Teams conversation ${conversationId}`,
      )
    return url
  }
  return {
    answer: async (place, reply) =>
      connector.sendCard(await where(place.channel), place.channel, answerCard(reply), reply.text),
    text: async (place, text) => connector.sendText(await where(place.channel), place.channel, text),
    stream: (place, _asker, hooks) => {
      let url: Promise<string> | undefined
      return teamsAnswerStream(connector, () => (url ??= where(place.channel)), place, hooks ?? {})
    },
    async replace(place, id, content) {
      const activity =
        'reply' in content
          ? {
              type: 'message',
              summary: content.reply.text.slice(0, 1000),
              attachments: [
                {
                  contentType: 'application/vnd.microsoft.card.adaptive',
                  content: answerCard(content.reply),
                },
              ],
            }
          : { type: 'message', text: content.text, textFormat: 'markdown' }
      const url = await where(place.channel)
      try {
        await connector.update(url, place.channel, id, activity)
      } catch (e) {
        // A streamed (typing) activity cannot be replaced once its stream is gone: the answer is
        // posted anew, since a second message is better than none.
        if (retryAdvice(e).retryable) throw e
        await connector.send(url, place.channel, activity)
      }
    },
  }
}
