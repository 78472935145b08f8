import { and, desc, eq, gte, like, lt, or, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client'
import { auditLog } from '../db/schema'
import { PolicybotError } from '../errors'
import { AUDIT_ACTIONS, type AuditAction, type AuditRow } from './log'

export const DEFAULT_AUDIT_LIMIT = 100
export const MAX_AUDIT_LIMIT = 10_000

/** Which rows to list; every field narrows. */
export interface AuditFilter {
  /** Rows at or after this time. */
  since?: Date
  /** Rows before this row id (the next page of a newest-first listing). */
  before?: number
  /** One actor (`slack:U123`), or a whole platform (`slack`: every `slack:…`). */
  actor?: string
  action?: AuditAction
  /** One subject (`escalation:5`). */
  subject?: string
  limit?: number
}

/** Whether a string is one of the audit log's actions. */
export function isAuditAction(s: string): s is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(s)
}

/** A filter as typed by a person (command-line options, query parameters): text or nothing. */
export interface AuditQuery {
  since?: string | undefined
  before?: string | undefined
  actor?: string | undefined
  action?: string | undefined
  subject?: string | undefined
  limit?: string | undefined
}

/**
 * Checks a typed filter; a bad value is a `BAD_REQUEST` naming the field as the caller spells it
 * (`name`: `--since` on the command line, `since` in a query string).
 */
export function parseAuditFilter(q: AuditQuery, name: (field: string) => string = (f) => f): AuditFilter {
  const bad = (message: string) => new PolicybotError('BAD_REQUEST', message, { status: 400 })
  const filter: AuditFilter = {}
  if (q.since !== undefined) {
    const since = new Date(q.since)
    if (Number.isNaN(since.getTime()))
      throw bad(`${name('since')} must be a date or time (ISO 8601), not "${q.since.slice(0, 40)}".`)
    filter.since = since
  }
  if (q.before !== undefined) {
    const before = Number(q.before)
    if (!Number.isSafeInteger(before) || before < 1) throw bad(`${name('before')} must be a row id.`)
    filter.before = before
  }
  if (q.actor) filter.actor = q.actor
  if (q.subject) filter.subject = q.subject
  if (q.action !== undefined) {
    if (!isAuditAction(q.action)) throw bad(`${name('action')} must be one of ${AUDIT_ACTIONS.join(', ')}.`)
    filter.action = q.action
  }
  if (q.limit !== undefined) {
    const limit = Number(q.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_LIMIT)
      throw bad(`${name('limit')} must be a whole number from 1 to ${MAX_AUDIT_LIMIT}.`)
    filter.limit = limit
  }
  return filter
}

/** The audit log, newest first (the CLI's `policybot audit`, the console's `GET /api/audit`). */
export async function listAudit(db: Db, filter: AuditFilter = {}): Promise<AuditRow[]> {
  const where: SQL[] = []
  if (filter.since) where.push(gte(auditLog.at, filter.since))
  if (filter.before !== undefined) where.push(lt(auditLog.id, filter.before))
  if (filter.action) where.push(eq(auditLog.action, filter.action))
  if (filter.subject) where.push(eq(auditLog.subject, filter.subject))
  if (filter.actor) {
    const prefix = `${filter.actor.replace(/[\\%_]/g, (c) => `\\${c}`)}:%`
    where.push(or(eq(auditLog.actor, filter.actor), like(auditLog.actor, prefix)) as SQL)
  }
  const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? DEFAULT_AUDIT_LIMIT)), MAX_AUDIT_LIMIT)
  return (
    db
      .select()
      .from(auditLog)
      .where(and(...where))
      // Ids follow insertion order; `at` is each transaction's start, which can interleave.
      .orderBy(desc(auditLog.id))
      .limit(limit)
  )
}

/** One row as JSON: the time as ISO 8601. */
export function auditJson(row: AuditRow) {
  return { ...row, at: row.at.toISOString() }
}
