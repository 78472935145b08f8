import type { Passage } from '../knowledge/search/types'

/** A numbered source of an answer, with what a reader needs to find it. */
export interface Citation {
  n: number
  /** The document version quoted (approved answers are withdrawn when it is replaced or deleted). */
  documentId: number
  title: string
  sourcePath: string
  headingPath: string[]
  url: string | null
  page: number | null
  /** ISO date (YYYY-MM-DD) the source last changed. */
  updated: string
}

export type AnswerMode = 'generated' | 'extractive' | 'abstain' | 'approved'

export interface Answer {
  mode: AnswerMode
  /** The answer with `[n]` markers, or the abstention message. */
  text: string
  citations: Citation[]
  /** 0..1: how sure retrieval is that the documents cover the question. */
  confidence: number
  /** True when a human should answer (the documents do not cover it, or the draft failed checks). */
  escalate: boolean
  /** Language the answer is written in (that of the question). */
  language: string
  /** The question as searched: standalone, with follow-ups resolved. */
  searchedQuestion: string
  /** What retrieval returned, best first. */
  passages: Passage[]
  /**
   * For `abstain` when retrieval found something: a quotation of the best passages for the policy
   * team to start from. Never shown to the asker.
   */
  draft?: { text: string; citations: Citation[] }
  /**
   * The department the question was routed to, and why: the channel it was asked in, or the
   * documents its best passages come from. Absent: the base model's (no department).
   */
  department?: { name: string; by: 'channel' | 'documents' }
  /** The chat model that wrote a generated answer (`base` or `base:adapter`). */
  model?: string
  /** For `approved`: who approved the answer, and when. */
  approval?: { id: number; by: string; at: string }
}
