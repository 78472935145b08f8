import { detectLanguage } from '../../workers/knowledge/text/script'
import type { Outbox } from '../../workers/outbox'
import type { Place } from '../types'
import type { DingTalkApi } from './api'
import type { DingTalkSession } from './events'
import { answerMarkdown, noteMarkdown } from './markdown'

/**
 * Replies to a DingTalk conversation: through the question's own session webhook while it is
 * valid (no token needed, about 90 minutes), otherwise through the robot API (answers after an
 * approval, reminders, anything later): a person by staff id, a group by conversation id.
 */
export function dingTalkOutbox(api: DingTalkApi, session?: DingTalkSession): Outbox {
  const send = async (place: Place, md: { title: string; text: string }) => {
    if (api.sessionUsable(session)) {
      await api.sendBySession(session, md)
      return undefined
    }
    if (place.channel.startsWith('user:')) return api.sendToUser(place.channel.slice('user:'.length), md)
    return api.sendToGroup(place.channel, md)
  }
  return {
    answer: (place, reply) => send(place, answerMarkdown(reply)),
    text: (place, text) => send(place, noteMarkdown(text, detectLanguage(text))),
  }
}
