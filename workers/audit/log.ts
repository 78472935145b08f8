import { type SQL, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { auditLog } from '../db/schema'

/**
 * The audit log: who did what, append-only. Rows are written where the thing happens, in the
 * same statement or transaction wherever that is possible (a decision, a document change), so the
 * change cannot exist without its record. There is deliberately no function here that updates or
 * deletes a row, and the database refuses both (migration 0012).
 */
export type AuditAction =
  /** A question was accepted (subject `question:<id>`). */
  | 'ask'
  /** A question was handed to the policy team, by its asker ("Ask a human") or by the bot (`escalation:<id>`). */
  | 'escalate'
  /** An escalation was approved, edited and approved, or rejected (`escalation:<id>`). */
  | 'decide'
  /** An approved answer stopped being reused (`approved:<id>`). */
  | 'withdraw'
  /** An approved answer's text or expiry was changed in the console (`approved:<id>`). */
  | 'revise'
  /** A new document (`document:<kind>:<path>`). */
  | 'upload'
  /** A new version of a document. */
  | 'replace'
  /** A document taken out of the index. */
  | 'delete'
  /** A wiki sync run that changed or deleted pages (`source:<name>`). */
  | 'sync'
  /** Reserved: a change to the runner's LoRA adapters. */
  | 'adapter'
  /** A department's canary started, changed, promoted or rolled back (`department:<name>`). */
  | 'rollout'

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'ask',
  'escalate',
  'decide',
  'withdraw',
  'revise',
  'upload',
  'replace',
  'delete',
  'sync',
  'adapter',
  'rollout',
]

/** Actors that are not a person: the Worker's own jobs and cron, and the local CLI. */
export const SYSTEM_ACTOR = 'system'
export const CLI_ACTOR = 'cli'

export interface AuditEntry {
  actor: string
  action: AuditAction
  subject: string
  before?: string | null
  after?: string | null
  detail?: Record<string, unknown>
}

export type AuditRow = typeof auditLog.$inferSelect

/**
 * A person as the audit log names them: `platform:id` (`slack:U123`, `teams:<aad id>`,
 * `dingtalk:<staff id>`, `web:<email>`). Ids mean nothing without the platform that issued them,
 * and display names change, so neither stands alone.
 */
export function actorOf(who: { platform: string; user: string }): string {
  return `${who.platform}:${who.user}`
}

/** The subject naming a stored document: its source kind and path (`document:file:leave/annual.md`). */
export function documentSubject(sourceKind: string, sourcePath: string): string {
  return `document:${sourceKind}:${sourcePath}`
}

/** Appends one row. Inside a transaction, pass the transaction as `db`: the row commits with it. */
export async function appendAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    before: entry.before ?? null,
    after: entry.after ?? null,
    detail: entry.detail ?? {},
  })
}

/**
 * The INSERT of audit rows selected from a data-modifying CTE, for statements that change a row
 * and record it at once (`WITH changed AS (UPDATE … RETURNING …), audit AS (<this>) SELECT …`):
 * one statement, so one round trip and no transaction, and the record exists exactly when the
 * change does. Each column is an SQL expression over `from`.
 */
export function auditFrom(
  from: string,
  columns: { actor: SQL; action: AuditAction; subject: SQL; before: SQL; after: SQL; detail: SQL },
): SQL {
  return sql`INSERT INTO audit_log (actor, action, subject, before, after, detail)
    SELECT ${columns.actor}, ${columns.action}, ${columns.subject}, ${columns.before}, ${columns.after}, ${columns.detail}
    FROM ${sql.identifier(from)}`
}
