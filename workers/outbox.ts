import type { AnswerReply } from '../bots/reply'
import type { Place } from '../bots/types'

/**
 * Where replies to a conversation go. Slack posts into the thread; the web adapter keeps nothing
 * here because its page reads the question ledger. Returns the posted message's id, if any.
 */
export interface Outbox {
  answer(place: Place, reply: AnswerReply): Promise<string | undefined>
  text(place: Place, text: string): Promise<string | undefined>
  /** Shows that an answer is being worked on, where the platform can (Slack's assistant pane). */
  working?(place: Place): Promise<void>
}

/** The outbox of the web page: answers live in the question ledger, which the page polls. */
export const webOutbox: Outbox = {
  answer: async () => undefined,
  text: async () => undefined,
}
