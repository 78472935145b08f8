/** What the core hands an adapter to show: platform-neutral, rendered by each adapter. */
export interface ReplyCitation {
  n: number
  title: string
  headingPath: string[]
  url: string | null
  page: number | null
  updated: string
}

export interface AnswerReply {
  /** The question ledger id (feedback and "Ask a human" refer to it). */
  questionId: number
  mode: 'generated' | 'extractive' | 'abstain' | 'approved'
  text: string
  citations: ReplyCitation[]
  language: string
  approval?: { by: string; at: string }
  /** Show feedback and "Ask a human" (not on an abstention, which is already with the team). */
  actions: boolean
}

/** An escalation as admins see it. */
/** A person as decisions and notices show them: their name and, for the record, their id. */
export function personLabel(id: string, name?: string | null): string {
  return name && name !== id ? `${name} (${id})` : id
}

export interface EscalationView {
  id: number
  question: string
  asker: string
  /** The asker's display name, where the platform gave one. */
  askerName?: string | null
  /** The question's language (`zh`, `en`, …): admins' cards use it for their labels. */
  language?: string
  /** Where the asker asked (channel id), for context. */
  channel: string
  reason: string
  /** The department the question was routed to (its adapter drafted the answer), if any. */
  department?: string | null
  draft: string | null
  citations: ReplyCitation[]
  confidence: number | null
  status: 'open' | 'approved' | 'edited' | 'rejected' | 'expired'
  decidedBy?: string | null
  finalAnswer?: string | null
  rejectReason?: string | null
}
