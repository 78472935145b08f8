import { DEFAULT_ABSTAIN_BELOW } from '../../workers/answering/confidence'
import { firstHit } from './dev-set'
import type { QuestionOutcome } from './evaluate'

/** Ranking, abstention and quotation figures of a group of outcomes. */
export interface QualityFigures {
  questions: number
  answerable: number
  hit1: number
  hit5: number
  mrr: number
  bm25: { hit1: number; hit5: number; mrr: number }
  /** Unanswerable questions abstained on, of all unanswerable. */
  caught: number
  /** Answerable questions abstained on, of all answerable. */
  wronglyRefused: number
  unanswerable: number
  /** Answerable, answered questions whose answer's first quotation holds the evidence. */
  firstQuote: number
  /**
   * Of the questions answered (not escalated), the share answered right: answerable, with the
   * answering passage first. What an employee who gets an answer can trust.
   */
  answeredRight: number
  /** Share of questions answered (not escalated). */
  answered: number
}

function ranks(retrieved: { path: string; text: string }[], o: QuestionOutcome) {
  const r = firstHit(retrieved.slice(0, 10), o.q.expect)
  return { hit1: r === 1 ? 1 : 0, hit5: r !== undefined && r <= 5 ? 1 : 0, rr: r ? 1 / r : 0 }
}

/** Figures of a group of outcomes at an abstention threshold. */
export function figures(outcomes: QuestionOutcome[], threshold = DEFAULT_ABSTAIN_BELOW): QualityFigures {
  const ans = outcomes.filter((o) => o.q.answerable)
  const un = outcomes.filter((o) => !o.q.answerable)
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0)
  const ours = ans.map((o) => ranks(o.retrieved, o))
  const base = ans.map((o) => ranks(o.baseline, o))
  const answered = ans.filter((o) => o.confidence >= threshold)
  return {
    questions: outcomes.length,
    answerable: ans.length,
    hit1: mean(ours.map((r) => r.hit1)),
    hit5: mean(ours.map((r) => r.hit5)),
    mrr: mean(ours.map((r) => r.rr)),
    bm25: {
      hit1: mean(base.map((r) => r.hit1)),
      hit5: mean(base.map((r) => r.hit5)),
      mrr: mean(base.map((r) => r.rr)),
    },
    caught: mean(un.map((o) => (o.confidence < threshold ? 1 : 0))),
    wronglyRefused: mean(ans.map((o) => (o.confidence < threshold ? 1 : 0))),
    unanswerable: un.length,
    firstQuote: mean(answered.map((o) => (o.firstQuoteHit ? 1 : 0))),
    answeredRight: mean(
      outcomes
        .filter((o) => o.confidence >= threshold)
        .map((o) => (o.q.answerable && ranks(o.retrieved, o).hit1 ? 1 : 0)),
    ),
    answered: mean(outcomes.map((o) => (o.confidence >= threshold ? 1 : 0))),
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

/** Prints the quality tables of one group (a handbook or a split) as Markdown. */
export function printQuality(title: string, outcomes: QuestionOutcome[], print: (s?: string) => void): void {
  const f = figures(outcomes)
  print(`\n### ${title}: ${f.questions} questions (${f.answerable} answerable, ${f.unanswerable} not)`)
  print('| group | n | hit@1 | hit@5 | MRR | BM25 hit@1 | BM25 hit@5 | BM25 MRR |')
  print('|---|---|---|---|---|---|---|---|')
  const row = (name: string, os: QuestionOutcome[]) => {
    const g = figures(os)
    if (g.answerable === 0) return
    print(
      `| ${name} | ${g.answerable} | ${pct(g.hit1)} | ${pct(g.hit5)} | ${g.mrr.toFixed(3)} | ${pct(g.bm25.hit1)} | ${pct(g.bm25.hit5)} | ${g.bm25.mrr.toFixed(3)} |`,
    )
  }
  row('all', outcomes)
  for (const kind of [...new Set(outcomes.map((o) => o.q.kind))])
    row(
      `kind: ${kind}`,
      outcomes.filter((o) => o.q.kind === kind),
    )
  for (const lang of ['en', 'zh'])
    row(
      `language: ${lang}`,
      outcomes.filter((o) => o.language === lang),
    )
  print(
    `Abstention at ${DEFAULT_ABSTAIN_BELOW}: unanswerable caught ${pct(f.caught)} (of ${f.unanswerable}), answerable wrongly refused ${pct(f.wronglyRefused)} (of ${f.answerable}); extractive first quote holds the evidence ${pct(f.firstQuote)} of answered`,
  )
  print(
    `Answered ${pct(f.answered)} of all questions; of those answered, ${pct(f.answeredRight)} were answerable and answered from the right passage (BM25 alone, answering all: ${pct(f.bm25.hit1 * (f.answerable / Math.max(1, f.questions)))})`,
  )
  const sweep = [0.3, 0.35, 0.4, 0.42, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7].map((t) => {
    const s = figures(outcomes, t)
    return `${t.toFixed(2)}: ${pct(s.caught)}/${pct(s.wronglyRefused)}`
  })
  print(`Sweep (threshold: caught/wrongly refused): ${sweep.join(' · ')}`)
}
