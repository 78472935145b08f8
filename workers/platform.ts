import type { InboundFile, Place } from '../bots/types'
import type { EscalationDetails } from './escalation/escalations'
import type { Outbox } from './outbox'

/**
 * What the core asks of a chat platform. Each platform folder under `bots/` implements it
 * (`bots/<platform>/platform.ts`) and `bots/index.ts` lists them; nothing in the core names a
 * platform, so a fourth one touches no core file (the recipe is in `bots/README.md`).
 */
export type PlatformName = Exclude<Place['platform'], 'web'>

/**
 * How a platform marks up text, so the core writes each message once: `escape` makes someone's
 * words (a file name, a question, an error text) inert in this sink (no mention, link or markup
 * can come out of them).
 */
export interface Markup {
  escape(text: string): string
  bold(text: string): string
  italic(text: string): string
}

/** A job that was parked, as the admins are told of it. */
export interface ParkedNotice {
  id: number
  kind: string
  attempts: number
  /** Our own description of what failed (never the asker's words). */
  error: string
  question?: { platform: string; asker: string; askerName: string | null; text: string }
}

/**
 * The policy team's place on one platform (a Slack channel, a Teams channel, a DingTalk group).
 * Every method is idempotent for a given escalation where the platform lets it be: the place
 * remembers what it posted, so a retried job sends only what is missing.
 */
export interface AdminChannel {
  /** Posts an open escalation (question, asker, draft, sources, actions), once. */
  notify(view: EscalationDetails): Promise<void>
  /** Reminds of an escalation still open after `hours`; false when it was never posted here. */
  remind(view: EscalationDetails, hours: number): Promise<boolean>
  /** Shows a decided escalation's outcome where it was posted (buttons give way to the result). */
  showDecision(view: EscalationDetails): Promise<void>
  /** Tells the admins that a job was parked: what, after how many attempts, and why. */
  alertParked(notice: ParkedNotice): Promise<void>
}

export interface Platform {
  readonly name: PlatformName
  readonly markup: Markup
  /**
   * Where replies to a conversation go. `replyVia` is the platform's own short-lived way back to
   * the asker that came with the question (a slash command's `response_url`, a DingTalk session
   * webhook): opaque to the core, stored on the job as the platform gave it.
   */
  outbox(place: Place, replyVia?: ReplyVia): Outbox
  /** The admins' place on this platform, when one is configured. */
  readonly admin?: AdminChannel
  /** Members of a user group named in `POLICY_ADMINS`, where the platform has groups. */
  groupMembers?(group: string): Promise<string[]>
  /**
   * Which of `candidates` (directory groups: Teams AAD groups, DingTalk departments, counting the
   * departments above the person's own) a person belongs to, where the platform can tell
   * directly; `team` is the asker's workspace or tenant. Platforms with only `groupMembers` are
   * asked group by group.
   */
  groupsOf?(user: string, candidates: readonly string[], team: string): Promise<string[]>
  /** The bytes of a file someone shared with the bot (handbook uploads), at most `maxBytes`. */
  download?(file: InboundFile, maxBytes: number): Promise<Uint8Array>
  /** Greets a newly opened assistant thread, where the platform has one. */
  greet?(place: Place): Promise<void>
}

/** A platform's reply handle carried by an `answer` job (JSON, opaque to the core). */
export type ReplyVia = Record<string, unknown>

/** The configured platforms of one invocation. */
export interface Platforms {
  /** The platform a place belongs to, if configured on this deployment. */
  get(name: string): Platform | undefined
  readonly all: readonly Platform[]
  /** Every configured admin place, on whichever platforms. */
  readonly admins: readonly { platform: PlatformName; channel: AdminChannel }[]
  /** Why a platform is not open here: the settings it lacks. */
  missing(name: string): string
}

export function platformList(list: Platform[], needs: Partial<Record<string, string>> = {}): Platforms {
  const byName = new Map(list.map((p) => [p.name as string, p]))
  return {
    get: (name) => byName.get(name),
    missing: (name) => needs[name] ?? `${name} is not a platform this deployment knows`,
    all: list,
    admins: list.flatMap((p) => (p.admin ? [{ platform: p.name, channel: p.admin }] : [])),
  }
}

/** Plain text: what the web page (and tests) use. */
export const plainMarkup: Markup = { escape: (s) => s, bold: (s) => s, italic: (s) => s }
