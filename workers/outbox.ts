import type { AnswerReply } from '../bots/reply'
import type { Place } from '../bots/types'

/**
 * Where replies to a conversation go. Slack posts into the thread; the web adapter keeps nothing
 * here because its page reads the question ledger. Returns the posted message's id, if any.
 */
export interface Outbox {
  answer(place: Place, reply: AnswerReply): Promise<string | undefined>
  /**
   * A plain note. `mention` names the user it is for: platforms that address people in a shared
   * thread (Slack) mention them; the others reply in the person's own conversation anyway.
   */
  text(place: Place, text: string, options?: { mention?: string }): Promise<string | undefined>
  /** Shows that an answer is being worked on, where the platform can (Slack's assistant pane). */
  working?(place: Place): Promise<void>
  /**
   * Streams a generated answer as it is written, where the platform can. `onPosted` gets the id
   * of the first visible message as soon as it exists, to be recorded before anything else can
   * fail.
   */
  stream?(place: Place, asker: string, hooks?: StreamHooks): AnswerStream
  /**
   * Replaces a message an earlier attempt posted (a stream left unfinished, a reply whose
   * recording failed) with the final reply or note, where the platform can edit messages: a
   * retried job finishes the answer the asker already sees instead of posting a second one.
   */
  replace?(place: Place, messageId: string, content: { reply: AnswerReply } | { text: string }): Promise<void>
}

export interface StreamHooks {
  onPosted?(messageId: string): Promise<void>
  /** Told of a streamed update that failed (its text goes out with the next one, or at the end). */
  warn?(message: string): void
}

/** A generated answer shown while it is written, then finalized with the checked reply. */
export interface AnswerStream {
  /** True once any text was handed to it. */
  readonly started: boolean
  /** The text so far (cumulative); sending is throttled and never blocks the caller. */
  update(textSoFar: string): void
  /**
   * Ends the stream with the checked answer (sources, actions); returns the message id. When no
   * streamed text reached the platform (every send failed), the whole answer is posted instead;
   * when that fails too, it throws, so the job is retried: an answer is never marked given
   * without a message.
   */
  finish(reply: AnswerReply): Promise<string | undefined>
  /**
   * Ends a stream whose answer failed the checks, with a note saying what happens instead (posted
   * alone when nothing was shown).
   */
  abandon(note: string): Promise<void>
}

/** The outbox of the web page: answers live in the question ledger, which the page polls. */
export const webOutbox: Outbox = {
  answer: async () => undefined,
  text: async () => undefined,
}
