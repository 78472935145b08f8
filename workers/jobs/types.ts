import type { InboundFile, Place } from '../../bots/types'
import type { ReplyVia } from '../platform'

/**
 * Work done after the webhook is acknowledged, through the Cloudflare Queue. Jobs carry ids, not
 * payloads, where the database holds the rest, so a retried job sees the current state.
 */
export type Job =
  | {
      type: 'answer'
      questionId: number
      /**
       * The platform's own short-lived way back to the asker, as it gave it (a slash command's
       * `response_url`, a DingTalk session webhook): read only by that platform's outbox.
       */
      replyVia?: ReplyVia
      /** Decided at the door: the asker gets this polite refusal instead of an answer. */
      refusal?: 'outsider'
    }
  | { type: 'escalate'; questionId: number; reason: 'asked' | 'feedback'; by: string }
  | { type: 'deliver'; escalationId: number }
  | { type: 'upload'; place: Place; uploader: string; messageTs: string; files: InboundFile[] }
  | { type: 'assistant_started'; place: Place; user: string }
  /** One incremental sync of a wiki source (Confluence, Notion), enqueued by the Cron Trigger. */
  | { type: 'sync'; source: string }

export type JobType = Job['type']
