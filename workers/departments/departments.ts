import { z } from 'zod'

/**
 * Departments: which questions and documents belong to whom, and which LoRA adapter answers for
 * them. Configured in `DEPARTMENTS` (JSON), for example
 *
 *     [{"name": "hr", "adapter": "hr", "channels": ["slack:C0HRHELP1"], "sources": ["git:people/"]},
 *      {"name": "it", "channels": ["teams:19:abc@thread.tacv2"], "sources": ["confluence:it-wiki/"]}]
 *
 * A question goes to the department of the channel it was asked in; otherwise to the department
 * that owns its best retrieved passages; otherwise to the base model. A document belongs to the
 * department its front matter names (`department: hr`), else to the first whose `sources` prefix
 * matches `kind:path` (`git:people/leave.md`, `upload:hr-handbook.pdf`; synced pages are
 * `kind:source/item`).
 */
export interface Department {
  name: string
  /** The runner adapter that answers for it; null: the base model (no adapter trained yet). */
  adapter: string | null
  /** `platform:channel` (`slack:C…`, `teams:<conversation id>`, `dingtalk:<openConversationId>`). */
  channels: readonly string[]
  /** Prefixes of `kind:path`, or of the path alone when the entry names no kind. */
  sources: readonly string[]
}

/** How a question's department was chosen. */
export type DepartmentBy = 'channel' | 'documents'

const NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/

const Entry = z
  .object({
    name: z.string().regex(NAME, 'must be lower-case letters, digits, - or _ (at most 40)'),
    adapter: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be an adapter name as the runner lists it')
      .nullable()
      .optional(),
    channels: z
      .array(z.string().regex(/^(slack|teams|dingtalk|web):.+/, 'must be platform:channel'))
      .default([]),
    sources: z.array(z.string().min(1)).default([]),
  })
  .strict()

/** Parses `DEPARTMENTS`; throws with the entry and field at fault. */
export function parseDepartments(raw: string | undefined): Department[] {
  if (!raw?.trim()) return []
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch (e) {
    throw new Error(
      `is not JSON (${(e as Error).message}); expected a list of {name, adapter, channels, sources}`,
    )
  }
  const parsed = z.array(Entry).safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`${issue?.path.join('.') || 'the value'}: ${issue?.message ?? 'invalid'}`)
  }
  const seen = new Map<string, string>()
  const out: Department[] = []
  for (const d of parsed.data) {
    if (out.some((o) => o.name === d.name)) throw new Error(`department "${d.name}" is listed twice`)
    // `none` names the answers of no department (export-approved --department none).
    if (d.name === 'none') throw new Error('"none" is reserved (it means "no department")')
    for (const c of d.channels) {
      const other = seen.get(c)
      if (other) throw new Error(`channel ${c} belongs to both "${other}" and "${d.name}"`)
      seen.set(c, d.name)
    }
    out.push({
      name: d.name,
      adapter: d.adapter === undefined ? d.name : d.adapter,
      channels: d.channels,
      sources: d.sources,
    })
  }
  return out
}

/** The department a channel belongs to. */
export function channelDepartment(
  departments: readonly Department[],
  platform: string,
  channel: string,
): Department | undefined {
  // A Teams reply's conversation id names its thread (`19:…@thread.tacv2;messageid=…`): the
  // channel is the part before it.
  const id = platform === 'teams' ? channel.replace(/;messageid=\d+$/, '') : channel
  const key = `${platform}:${id}`
  return departments.find((d) => d.channels.includes(key))
}

/** What decides a document's department. */
export interface DocumentRef {
  sourceKind: string
  sourcePath: string
  /** The front matter's `department`, when it names one. */
  department?: string | null
}

/** The department a document belongs to: its front matter's, else the first matching source prefix. */
export function documentDepartment(
  departments: readonly Department[],
  doc: DocumentRef,
): Department | undefined {
  const named = doc.department?.trim().toLowerCase()
  if (named) {
    // A front matter naming a department that is not configured belongs to none: it cannot pick
    // an adapter nobody declared.
    return departments.find((d) => d.name === named)
  }
  const full = `${doc.sourceKind}:${doc.sourcePath}`
  return departments.find((d) =>
    d.sources.some((s) => (/^[a-z]+:/.test(s) ? full.startsWith(s) : doc.sourcePath.startsWith(s))),
  )
}

/**
 * How many of the best passages vote, and the share of their score the winner needs (more than).
 * Chosen on the out-of-domain dev split (`npm run bench:departments`): a wrong department's
 * adapter is the costly mistake, the base model the safe one. More than half sent 17 % of
 * questions to a wrong department there; more than 66 % sends 10 % (and 26 % to the base model).
 */
export const ROUTING_RULE = { top: 3, share: 0.66 }

/**
 * The department that owns the best passages: each of the top three passages votes for its
 * document's department with its score; passages of no department vote for none. The winner
 * must hold more than 66 % of the votes (ROUTING_RULE), so a question answered mostly from the
 * general handbook, or split between departments, stays with the base model.
 */
export function passagesDepartment(
  departments: readonly Department[],
  passages: readonly (DocumentRef & { score: number })[],
  rule: { top: number; share: number } = ROUTING_RULE,
): Department | undefined {
  if (!departments.length) return undefined
  const votes = new Map<Department | undefined, number>()
  let total = 0
  for (const p of passages.slice(0, rule.top)) {
    const d = documentDepartment(departments, p)
    const w = Math.max(p.score, 0)
    votes.set(d, (votes.get(d) ?? 0) + w)
    total += w
  }
  let best: Department | undefined
  let bestVotes = 0
  for (const [d, v] of votes) {
    if (d && v > bestVotes) {
      best = d
      bestVotes = v
    }
  }
  return best && bestVotes > total * rule.share ? best : undefined
}
