/**
 * What every chat-platform adapter turns its webhooks into. The core (answering, escalation)
 * only sees these shapes; Slack, the local web page, and later Teams and DingTalk produce them.
 */

/** Where a conversation happens: the answer to a question goes to this thread. */
export interface Place {
  platform: 'slack' | 'web' | 'dingtalk' | 'teams'
  /** Workspace / tenant id. */
  team: string
  channel: string
  /** The thread the bot answers in (the asking post itself when it starts a thread). */
  threadTs: string
}

/** How a question reached the bot. */
export type Trigger = 'mention' | 'dm' | 'thread' | 'command' | 'assistant' | 'web'

/** A file someone sent to the bot (an HR handbook upload). */
export interface InboundFile {
  id: string
  name: string
  size: number
  mimetype: string
  /** Where the bytes are; fetched with the bot token. */
  url: string
}

export type InboundEvent =
  | { kind: 'url_verification'; challenge: string }
  | {
      kind: 'question'
      place: Place
      messageTs: string
      asker: string
      /** The asker's display name, where the platform sends it (Teams, DingTalk). */
      askerName?: string
      text: string
      trigger: Trigger
      /** Identity of the post for de-duplication: retries and duplicate deliveries share it. */
      dedupeKey: string
      /** Asked by someone of another organisation (a Slack Connect channel or DM): refused politely. */
      outsider?: true
    }
  | {
      kind: 'upload'
      place: Place
      messageTs: string
      uploader: string
      files: InboundFile[]
      text: string
      dedupeKey: string
    }
  | { kind: 'assistant_thread_started'; place: Place; user: string; dedupeKey: string }
  /** Valid, but nothing for the bot to do: a value, not an error. */
  | { kind: 'unsupported'; type: string; reason: string }

/** A malformed payload: the only thing parsing throws. */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError'
  readonly code = 'MALFORMED_PAYLOAD'
}
