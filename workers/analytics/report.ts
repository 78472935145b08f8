import { sql } from 'drizzle-orm'
import { type Db, queryRows } from '../db/client'
import { analyze } from '../knowledge/text/analyze'

/**
 * What the console's Analytics page shows, over the questions asked in a window of days. The
 * definitions are the page's (it states them):
 * - **answered without a human**: answered, and never handed to the policy team;
 * - **escalated**: handed to the team at least once (by the bot, or by the asker);
 * - **approved / rejected**: of those, the ones whose last decision approved (as drafted or
 *   edited) or rejected it; the rest are still open;
 * - **time to a decision**: from the escalation to its decision, median over decided ones;
 * - **feedback**: the last vote of each person on each answer;
 * - **content gaps**: questions escalated or voted unhelpful, grouped by shared words;
 * - **by department and model**: the same outcomes per department the questions were routed to
 *   and the model that wrote their answers (a canary's adapter against the current one).
 */
export interface AnalyticsReport {
  from: string
  to: string
  perDay: Array<{ day: string; platform: string; questions: number }>
  totals: {
    questions: number
    answeredByBot: number
    escalated: number
    approved: number
    rejected: number
    open: number
  }
  medianDecisionMinutes: number | null
  feedback: { helpful: number; unhelpful: number }
  byDepartment: DepartmentOutcome[]
  gaps: ContentGap[]
}

/** One department's questions answered by one model (null: none; no model: quoted or approved). */
export interface DepartmentOutcome {
  department: string | null
  model: string | null
  questions: number
  answeredByBot: number
  escalated: number
  helpful: number
  unhelpful: number
}

export interface ContentGap {
  /** The group's most typical question (the one sharing most words with the others). */
  label: string
  /** Questions in the group; of them, escalated and voted unhelpful. */
  count: number
  escalated: number
  unhelpful: number
  /** Up to five of its questions, newest first. */
  examples: string[]
  lastAsked: string
}

/**
 * Per group of questions `q`: how many, how many were handed to the policy team at least once,
 * and their helpful and unhelpful votes. One definition for Analytics and a canary's comparison.
 */
export const OUTCOMES = sql`count(*)::int AS questions,
  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM escalations e WHERE e.question_id = q.id))::int AS escalated,
  coalesce(sum((SELECT count(*) FROM feedback f WHERE f.question_id = q.id AND f.helpful)), 0)::int AS helpful,
  coalesce(sum((SELECT count(*) FROM feedback f WHERE f.question_id = q.id AND NOT f.helpful)), 0)::int AS unhelpful`

export async function analyticsReport(db: Db, days: number, now = new Date()): Promise<AnalyticsReport> {
  const from = new Date(now.getTime() - days * 86_400_000)
  const window = sql`q.created_at >= ${from.toISOString()} AND q.created_at <= ${now.toISOString()}`
  const perDay = await queryRows<{ day: string; platform: string; n: number }>(
    db,
    sql`SELECT to_char(date_trunc('day', q.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
               q.platform, count(*)::int AS n
        FROM questions q WHERE ${window} GROUP BY 1, 2 ORDER BY 1, 2`,
    'questions per day',
  )
  const [totals] = await queryRows<{
    questions: number
    answered_by_bot: number
    escalated: number
    approved: number
    rejected: number
    open: number
  }>(
    db,
    sql`WITH last AS (
          SELECT DISTINCT ON (e.question_id) e.question_id, e.status
          FROM escalations e ORDER BY e.question_id, e.id DESC)
        SELECT count(*)::int AS questions,
               count(*) FILTER (WHERE q.status = 'answered' AND last.question_id IS NULL)::int AS answered_by_bot,
               count(last.question_id)::int AS escalated,
               count(*) FILTER (WHERE last.status IN ('approved', 'edited'))::int AS approved,
               count(*) FILTER (WHERE last.status = 'rejected')::int AS rejected,
               count(*) FILTER (WHERE last.status = 'open')::int AS open
        FROM questions q LEFT JOIN last ON last.question_id = q.id
        WHERE ${window}`,
    'outcome totals',
  )
  const [decision] = await queryRows<{ minutes: number | null }>(
    db,
    sql`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.decided_at - e.created_at) / 60) AS minutes
        FROM escalations e JOIN questions q ON q.id = e.question_id
        WHERE e.decided_at IS NOT NULL AND ${window}`,
    'median time to a decision',
  )
  const [votes] = await queryRows<{ helpful: number; unhelpful: number }>(
    db,
    sql`SELECT count(*) FILTER (WHERE f.helpful)::int AS helpful, count(*) FILTER (WHERE NOT f.helpful)::int AS unhelpful
        FROM feedback f JOIN questions q ON q.id = f.question_id WHERE ${window}`,
    'feedback',
  )
  const departments = await queryRows<{
    department: string | null
    model: string | null
    questions: number
    answered_by_bot: number
    escalated: number
    helpful: number
    unhelpful: number
  }>(
    db,
    sql`SELECT q.department, q.model, ${OUTCOMES},
               count(*) FILTER (WHERE q.status = 'answered'
                 AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.question_id = q.id))::int AS answered_by_bot
        FROM questions q WHERE ${window}
        GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2 NULLS LAST`,
    'outcomes by department and model',
  )
  const troubled = await queryRows<{
    text: string
    created_at: string | Date
    escalated: boolean
    unhelpful: boolean
  }>(
    db,
    sql`SELECT q.text, q.created_at,
               EXISTS (SELECT 1 FROM escalations e WHERE e.question_id = q.id) AS escalated,
               EXISTS (SELECT 1 FROM feedback f WHERE f.question_id = q.id AND NOT f.helpful) AS unhelpful
        FROM questions q
        WHERE ${window} AND q.text <> ''
          AND (EXISTS (SELECT 1 FROM escalations e WHERE e.question_id = q.id)
               OR EXISTS (SELECT 1 FROM feedback f WHERE f.question_id = q.id AND NOT f.helpful))
        ORDER BY q.created_at DESC LIMIT 2000`,
    'escalated or unhelpful questions',
  )
  const t = totals ?? { questions: 0, answered_by_bot: 0, escalated: 0, approved: 0, rejected: 0, open: 0 }
  return {
    from: from.toISOString(),
    to: now.toISOString(),
    perDay: perDay.map((r) => ({ day: r.day, platform: r.platform, questions: r.n })),
    totals: {
      questions: t.questions,
      answeredByBot: t.answered_by_bot,
      escalated: t.escalated,
      approved: t.approved,
      rejected: t.rejected,
      open: t.open,
    },
    medianDecisionMinutes:
      decision?.minutes === null || decision === undefined ? null : Number(decision.minutes),
    feedback: { helpful: votes?.helpful ?? 0, unhelpful: votes?.unhelpful ?? 0 },
    byDepartment: departments.map((r) => ({
      department: r.department,
      model: r.model,
      questions: r.questions,
      answeredByBot: r.answered_by_bot,
      escalated: r.escalated,
      helpful: r.helpful,
      unhelpful: r.unhelpful,
    })),
    gaps: contentGaps(
      troubled.map((r) => ({
        text: r.text,
        at: new Date(r.created_at).toISOString(),
        escalated: r.escalated,
        unhelpful: r.unhelpful,
      })),
    ),
  }
}

/** Share of the smaller question's words two questions must share to be one gap. */
const SAME_GAP = 0.5

/**
 * Groups questions (newest first) by the words they share: a question joins the first group whose
 * words it shares at least half of (of the smaller set), else starts one. Greedy and
 * order-dependent, but stable for the page, and enough to tell HR which page to write: "parental
 * leave for adoptive parents" asked eight ways is one row with a count of eight.
 */
export function contentGaps(
  questions: ReadonlyArray<{ text: string; at: string; escalated: boolean; unhelpful: boolean }>,
  limit = 20,
): ContentGap[] {
  const groups: Array<{
    stems: Set<string>
    members: Array<(typeof questions)[number] & { stems: Set<string> }>
  }> = []
  for (const q of questions) {
    const stems = new Set(analyze(q.text).map((t) => t.stem))
    if (stems.size === 0) continue
    const home = groups.find((g) => overlap(g.stems, stems) >= SAME_GAP)
    if (home) {
      home.members.push({ ...q, stems })
      for (const s of stems) home.stems.add(s)
    } else groups.push({ stems: new Set(stems), members: [{ ...q, stems }] })
  }
  return groups
    .map((g) => {
      // The label: the member sharing most words with the rest of its group (each scored once).
      const scored = g.members.map((m) => ({ m, score: centrality(m.stems, g.members) }))
      const typical = scored.sort((a, b) => b.score - a.score || a.m.text.length - b.m.text.length)[0]?.m
      return {
        label: typical?.text ?? '',
        count: g.members.length,
        escalated: g.members.filter((m) => m.escalated).length,
        unhelpful: g.members.filter((m) => m.unhelpful).length,
        examples: [...new Set(g.members.map((m) => m.text))].slice(0, 5),
        lastAsked: g.members[0]?.at ?? '',
      }
    })
    .sort((a, b) => b.count - a.count || b.lastAsked.localeCompare(a.lastAsked))
    .slice(0, limit)
}

function overlap(a: Set<string>, b: Set<string>): number {
  let shared = 0
  for (const s of b) if (a.has(s)) shared++
  return shared / Math.min(a.size, b.size)
}

function centrality(stems: Set<string>, members: ReadonlyArray<{ stems: Set<string> }>): number {
  let n = 0
  for (const m of members) for (const s of stems) if (m.stems.has(s)) n++
  return n
}
