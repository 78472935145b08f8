import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import { questionLanguage } from '../answering/answer'
import type { Citation } from '../answering/types'
import { type Db, queryRows } from '../db/client'
import { approvedAnswers } from '../db/schema'
import { PolicybotError } from '../errors'
import type { Embedder } from '../knowledge/embed/types'
import { toTextArray } from '../knowledge/search/plan'
import { ensureEmbedder } from '../knowledge/store'
import {
  isReuse,
  type MatchScore,
  matchScore,
  questionNumbers,
  questionTerms,
  REUSE_THRESHOLD,
} from './match'

export const DEFAULT_APPROVED_TTL_DAYS = 90

export interface ApprovedInput {
  escalationId: number | null
  question: string
  answer: string
  citations: Citation[]
  approvedBy: string
  /** The department of the question it answers (export-approved --department). */
  department?: string | null
  ttlDays?: number
  now?: Date
}

/** Stores an approved answer for reuse, with the question's embedding and terms. */
export async function storeApproved(db: Db, embedder: Embedder, input: ApprovedInput): Promise<number> {
  const embedderId = await ensureEmbedder(db, embedder)
  const [embedding] = await embedder.embed([input.question], 'query')
  const now = input.now ?? new Date()
  const [row] = await db
    .insert(approvedAnswers)
    .values({
      escalationId: input.escalationId,
      question: input.question,
      answer: input.answer,
      citations: input.citations,
      documentIds: [...new Set(input.citations.map((c) => c.documentId))],
      language: questionLanguage(input.question),
      embedderId,
      embedding: embedding ?? null,
      terms: questionTerms(input.question),
      approvedBy: input.approvedBy,
      department: input.department ?? null,
      approvedAt: now,
      expiresAt: new Date(now.getTime() + (input.ttlDays ?? DEFAULT_APPROVED_TTL_DAYS) * 86_400_000),
    })
    // A retried delivery of the same escalation finds its answer already stored.
    .onConflictDoNothing({ target: approvedAnswers.escalationId })
    .returning({ id: approvedAnswers.id })
  if (row) return row.id
  if (input.escalationId !== null) {
    const [existing] = await db
      .select({ id: approvedAnswers.id })
      .from(approvedAnswers)
      .where(eq(approvedAnswers.escalationId, input.escalationId))
    if (existing) return existing.id
  }
  throw new PolicybotError('DB_ERROR', 'Could not store the approved answer')
}

export interface ApprovedMatch {
  id: number
  question: string
  answer: string
  citations: Citation[]
  approvedBy: string
  approvedAt: Date
  department: string | null
  match: MatchScore
}

/**
 * The live approved answer (not withdrawn, not expired, same embedder) that means the same as
 * `question`, if any: the nearest candidates by embedding are scored with `matchScore`.
 */
export async function findApproved(
  db: Db,
  embedder: Embedder,
  question: string,
  options: { now?: Date; threshold?: number; audiences?: readonly string[] } = {},
): Promise<ApprovedMatch | undefined> {
  const [embedding] = await embedder.embed([question], 'query')
  if (!embedding) return undefined
  const now = options.now ?? new Date()
  const literal = `[${embedding.join(',')}]`
  const rows = await queryRows<{
    id: number
    question: string
    answer: string
    citations: Citation[]
    approved_by: string
    approved_at: string | Date
    department: string | null
    terms: string[]
    embedding: string
  }>(
    db,
    sql`SELECT id, question, answer, citations, approved_by, approved_at, department, terms, embedding::text AS embedding
        FROM approved_answers
        WHERE withdrawn_at IS NULL AND expires_at > ${now.toISOString()}::timestamptz AND embedder_id = (SELECT id FROM embedders WHERE key = ${embedder.key})
          ${options.audiences ? sql`AND ${visibleTo(options.audiences)}` : sql``}
        ORDER BY embedding <=> ${literal}::vector
        LIMIT 10`,
    'approved-answer lookup',
  )
  const key = { terms: questionTerms(question), numbers: questionNumbers(question), embedding }
  let best: ApprovedMatch | undefined
  for (const r of rows) {
    const m = matchScore(key, {
      terms: r.terms,
      numbers: questionNumbers(r.question),
      embedding: JSON.parse(r.embedding) as number[],
    })
    if (!isReuse(m, options.threshold ?? REUSE_THRESHOLD)) continue
    if (best && best.match.score >= m.score) continue
    best = {
      id: r.id,
      question: r.question,
      answer: r.answer,
      citations: r.citations,
      approvedBy: r.approved_by,
      approvedAt: new Date(r.approved_at),
      department: r.department,
      match: m,
    }
  }
  return best
}

/**
 * Live approved answers, oldest first: what `policybot export-approved` writes. With `audiences`,
 * only those whose cited documents are all for everyone or for one of them; with `department`,
 * only that department's (null: those of no department, the base model's).
 */
export async function liveApproved(
  db: Db,
  now = new Date(),
  audiences?: readonly string[],
  department?: string | null,
) {
  return db
    .select()
    .from(approvedAnswers)
    .where(
      and(
        isNull(approvedAnswers.withdrawnAt),
        gt(approvedAnswers.expiresAt, now),
        audiences ? visibleTo(audiences) : undefined,
        department === undefined
          ? undefined
          : department === null
            ? isNull(approvedAnswers.department)
            : eq(approvedAnswers.department, department),
      ),
    )
    .orderBy(approvedAnswers.id)
}

/** One approved answer by id. */
export async function approvedById(db: Db, id: number) {
  const [row] = await db.select().from(approvedAnswers).where(eq(approvedAnswers.id, id))
  return row
}

/**
 * An approved answer is given only to someone who may read every document it cites (a cited
 * version with an audience needs one of the asker's).
 */
export function visibleTo(audiences: readonly string[]) {
  const list = toTextArray(audiences.map((a) => a.toLowerCase()))
  return sql`NOT EXISTS (
    SELECT 1 FROM documents d
    WHERE d.id = ANY(approved_answers.document_ids) AND d.audience <> '{}'::text[] AND NOT (d.audience && ${list}::text[]))`
}
