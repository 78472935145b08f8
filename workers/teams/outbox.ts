import { answerCard } from '../../bots/teams/cards'
import type { BotConnector } from '../../bots/teams/connector'
import type { Db } from '../db/client'
import type { Outbox } from '../outbox'
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
    if (!url) throw new Error(`no serviceUrl known for Teams conversation ${conversationId}`)
    return url
  }
  return {
    answer: async (place, reply) =>
      connector.sendCard(await where(place.channel), place.channel, answerCard(reply), reply.text),
    text: async (place, text) => connector.sendText(await where(place.channel), place.channel, text),
    stream: (place) => {
      let url: Promise<string> | undefined
      return teamsAnswerStream(connector, () => (url ??= where(place.channel)), place)
    },
  }
}
