import type { DingTalkSession } from '../../bots/dingtalk/events'
import type { InboundFile, Place } from '../../bots/types'

/**
 * Work done after the webhook is acknowledged, through the Cloudflare Queue. Jobs carry ids, not
 * payloads, where the database holds the rest, so a retried job sees the current state.
 */
export type Job =
  /** `responseUrl`: answer ephemerally through it (slash commands) instead of in the thread. */
  | {
      type: 'answer'
      questionId: number
      responseUrl?: string
      /** DingTalk: the message's session webhook, for the reply while it is valid. */
      dingtalkSession?: DingTalkSession
    }
  | { type: 'escalate'; questionId: number; reason: 'asked' | 'feedback'; by: string }
  | { type: 'deliver'; escalationId: number }
  | { type: 'upload'; place: Place; uploader: string; messageTs: string; files: InboundFile[] }
  | { type: 'assistant_started'; place: Place; user: string }
  /** One incremental sync of a wiki source (Confluence, Notion), enqueued by the Cron Trigger. */
  | { type: 'sync'; source: string }

export type JobType = Job['type']
