import { type AuditQuery, auditJson, listAudit, parseAuditFilter } from '../../audit/list'
import type { AuditRow } from '../../audit/log'
import type { Db } from '../../db/client'
import type { Output } from '../output'

/** The options of `policybot audit`, as typed on the command line. */
export type AuditOptions = Pick<AuditQuery, 'since' | 'actor' | 'action' | 'limit'> & {
  json?: boolean | undefined
}

/** Checks the command line's filters; a bad one is a `BAD_REQUEST` naming the option. */
export const auditFilter = (o: AuditOptions) =>
  parseAuditFilter({ since: o.since, actor: o.actor, action: o.action, limit: o.limit }, (f) => `--${f}`)

/**
 * `policybot audit [--since ISO] [--actor X] [--action A] [--json] [--limit N]`: the audit log,
 * newest first (100 rows unless --limit says otherwise). `--actor slack` lists every Slack user.
 * Returns the number of rows printed.
 */
export async function auditCommand(db: Db, o: AuditOptions, out: Output): Promise<number> {
  const rows = await listAudit(db, auditFilter(o))
  if (o.json) out.result(JSON.stringify(rows.map(auditJson), null, 2))
  else if (rows.length === 0) out.result('No audit entries match.')
  else out.result(rows.map(renderAuditRow).join('\n'))
  return rows.length
}

const MAX_SHOWN = 200

/**
 * One row for a terminal: time, id, actor, action, subject and detail on one line, the text
 * before and after below it. Texts are JSON-quoted, so a newline or an escape sequence typed into
 * an answer cannot forge lines or drive the terminal; long ones are cut (`--json` has them whole).
 */
export function renderAuditRow(r: AuditRow): string {
  const quote = (s: string) => inert(JSON.stringify(s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}…` : s))
  const bare = (s: string) => quote(s).slice(1, -1)
  const detail = Object.keys(r.detail).length > 0 ? `  ${inert(JSON.stringify(r.detail))}` : ''
  const at = r.at.toISOString().replace(/\.\d+Z$/, 'Z')
  const lines = [`${at}  #${r.id}  ${bare(r.actor)}  ${r.action}  ${bare(r.subject)}${detail}`]
  if (r.before !== null) lines.push(`    before: ${quote(r.before)}`)
  if (r.after !== null) lines.push(`    after:  ${quote(r.after)}`)
  return lines.join('\n')
}

/** JSON leaves DEL, C1 controls (U+009B is a CSI) and bidi overrides as they are: escape them too. */
function inert(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
