import type { Passage, QueryPlan } from '../knowledge/search/types'
import { analyze } from '../knowledge/text/analyze'
import { splitSentences } from '../knowledge/text/segment'
import { citationOf } from './citations'
import type { Citation } from './types'

/** A quotable piece of a passage: a sentence, a list item, or a table row under its header. */
interface Unit {
  passage: number
  order: number
  text: string
  score: number
}

const LABEL: Record<string, string> = {
  en: 'From the handbook (quoted passages; no language model is configured, so this is not a summary):',
  zh: '以下内容摘自公司文档（原文摘录；未配置语言模型，并非总结）：',
}

/**
 * Passages whose sentences may be quoted, and how much each rank down costs a sentence. Chosen on
 * the dev set (share of answers quoting the labelled sentence: 55% quoting from the top 3 with
 * no number preference, 64% with these values) and confirmed on two real handbooks (62% → 76%).
 */
const QUOTE_FROM = 5
const RANK_PENALTY = 0.2

/**
 * "How many days…", "how much…", "what is the limit…": the answer is a number, so sentences with
 * one are preferred.
 */
const ASKS_FOR_A_NUMBER =
  /\b(how (many|much|long|often|soon|far)|what is the (maximum|minimum|max|min|limit|rate|amount|cap|budget|deadline)|what's the (max|min|limit|rate|amount|cap|budget|deadline)|by when|how early)\b|多少|几|多久|多长/i
const NUMBER_BONUS = 1.5

/** Most characters quoted in one extractive answer. */
const MAX_QUOTE = 700

/**
 * An answer made only of quotations: the sentences (or list items, or table rows) of the best
 * passages that carry most of the question's weighted terms, in document order, each followed
 * by the number of its source, under a label that says what it is.
 */
export function extractiveAnswer(
  plan: QueryPlan,
  passages: Passage[],
  language: string,
): { text: string; citations: Citation[] } {
  const units: Unit[] = []
  const wantsNumber = ASKS_FOR_A_NUMBER.test(plan.text)
  passages.slice(0, QUOTE_FROM).forEach((p, i) => {
    const headingStems = new Set(analyze(p.headingPath.join(' ')).map((t) => t.stem))
    // Retrieval's order still counts: a lower passage needs a clearly better sentence to win.
    const rank = 1 - RANK_PENALTY * i
    let order = 0
    for (const text of quotableUnits(p.text, p.language)) {
      const numberBonus = wantsNumber && /\d/.test(text) ? NUMBER_BONUS : 1
      units.push({
        passage: i,
        order: order++,
        text,
        score: unitScore(plan, text, headingStems) * rank * numberBonus,
      })
    }
  })
  if (units.length === 0) return { text: '', citations: [] }
  const best = Math.max(...units.map((u) => u.score))
  const chosen: Unit[] = []
  let length = 0
  for (const u of [...units].sort((a, b) => b.score - a.score)) {
    if (chosen.length >= 3 || length + u.text.length > MAX_QUOTE) continue
    if (chosen.length > 0 && u.score < best * 0.6) break
    chosen.push(u)
    length += u.text.length
  }
  // A very short best quote ("Yes.") gets the sentence after it for context.
  const top = chosen[0]
  if (top && top.text.length < 60) {
    const next = units.find((u) => u.passage === top.passage && u.order === top.order + 1)
    if (next && !chosen.includes(next)) chosen.push(next)
  }
  const byPassage = new Map<number, Unit[]>()
  for (const u of chosen) byPassage.set(u.passage, [...(byPassage.get(u.passage) ?? []), u])
  const citations: Citation[] = []
  const quotes: string[] = []
  for (const [i, list] of [...byPassage.entries()].sort((a, b) => a[0] - b[0])) {
    const p = passages[i]
    if (!p) continue
    const n = citations.length + 1
    citations.push(citationOf(n, p))
    const body = list
      .sort((a, b) => a.order - b.order)
      .map((u) => u.text)
      .join(list.some((u) => u.text.startsWith('|') || u.text.startsWith('- ')) ? '\n' : ' ')
    quotes.push(
      `${body
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n')} [${n}]`,
    )
  }
  const label = LABEL[language] ?? LABEL.en
  return { text: `${label}\n\n${quotes.join('\n\n')}`, citations }
}

function quotableUnits(text: string, language: string): string[] {
  const out: string[] = []
  for (const block of text.split(/\n{2,}/)) {
    const lines = block.split('\n')
    if (lines[0]?.startsWith('|')) {
      const [header, ...rows] = lines
      for (const r of rows) out.push(`${header}\n${r}`)
      if (rows.length === 0 && header) out.push(header)
    } else if (/^\s*(- |\d+\. )/.test(lines[0] ?? '')) {
      let item = ''
      for (const l of lines) {
        if (/^(- |\d+\. )/.test(l)) {
          if (item) out.push(item)
          item = l
        } else item += `\n${l}`
      }
      if (item) out.push(item)
    } else out.push(...splitSentences(block, language))
  }
  return out
}

function unitScore(plan: QueryPlan, text: string, headingStems: Set<string>): number {
  const stems = new Set(analyze(text).map((t) => t.stem))
  let score = 0
  for (const t of plan.terms) {
    if (t.lexemes.every((l) => stems.has(l))) score += t.weight
    else if (t.lexemes.every((l) => headingStems.has(l))) score += t.weight * 0.3
  }
  return score
}
