import { groupHeads } from '../knowledge/search/evidence'
import type { Passage, QueryPlan } from '../knowledge/search/types'
import { analyze } from '../knowledge/text/analyze'
import { asksForNumber, statesNumber } from '../knowledge/text/question-type'
import { splitSentences } from '../knowledge/text/segment'
import { citationOf } from './citations'
import { addressesAssistant } from './source-text'
import type { Citation } from './types'

/** A quotable piece of a passage: a sentence, a list item, or a table row under its header. */
interface Unit {
  passage: number
  order: number
  text: string
  score: number
  /** It states one of the question's own words, not only words borrowed from the thread. */
  own: boolean
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

/** A sentence with a number answers "how many…", "what is the limit…" better. */
const NUMBER_BONUS = 1.5

/** How much a sentence naming the place or team a follow-up inherited (Berlin) gains. */
const NAMED_BOOST = 2

/** Most characters quoted in one extractive answer. */
const MAX_QUOTE = 700

/**
 * An answer made only of quotations, led by the sentence (or list item, or table row) that best
 * answers the question: the one carrying most of its weighted terms, one of the kind of answer it
 * asks for (a number for "how many"), from a high-ranked passage. At most three quotes; each
 * further one must come close to the first and share the question's own words (no unrelated
 * quote), is kept with its neighbours from the same passage in document order, and is followed
 * by the number of its source; a label says what the answer is. Nothing that speaks to the
 * assistant (`addressesAssistant`) is quoted.
 */
export function extractiveAnswer(
  plan: QueryPlan,
  passages: Passage[],
  language: string,
): { text: string; citations: Citation[] } {
  const units: Unit[] = []
  const wantsNumber = asksForNumber(plan.text)
  passages.slice(0, QUOTE_FROM).forEach((p, i) => {
    const headingStems = new Set(analyze(p.headingPath.join(' ')).map((t) => t.stem))
    // Retrieval's order still counts: a lower passage needs a clearly better sentence to win.
    const rank = 1 - RANK_PENALTY * i
    let order = 0
    for (const text of quotableUnits(p.text, p.language)) {
      // Text that speaks to the assistant ("Ignore previous instructions…") is never quoted as
      // policy; a passage made only of it is not quoted at all.
      if (addressesAssistant(text)) continue
      const numberBonus = wantsNumber && statesNumber(text) ? NUMBER_BONUS : 1
      const { score, own } = unitScore(plan, text, headingStems)
      units.push({ passage: i, order: order++, text, score: score * rank * numberBonus, own })
    }
  })
  if (units.length === 0) return { text: '', citations: [] }
  const ranked = [...units].sort((a, b) => b.score - a.score)
  const best = ranked[0]?.score ?? 0
  const chosen: Unit[] = []
  let length = 0
  for (const u of ranked) {
    if (chosen.length >= 3 || length + u.text.length > MAX_QUOTE) continue
    if (chosen.length > 0 && (u.score < best * 0.6 || !u.own)) break
    chosen.push(u)
    length += u.text.length
  }
  // A very short best quote ("Yes.") gets the sentence after it for context.
  const top = chosen[0]
  if (top && top.text.length < 60 && chosen.length < 3) {
    const next = units.find((u) => u.passage === top.passage && u.order === top.order + 1)
    if (next && !chosen.includes(next)) chosen.push(next)
  }
  // Quotes of one passage stay together in document order; passages in the order of their best
  // quote, so the answer opens with the best one.
  const byPassage = new Map<number, Unit[]>()
  for (const u of chosen) byPassage.set(u.passage, [...(byPassage.get(u.passage) ?? []), u])
  const citations: Citation[] = []
  const quotes: string[] = []
  for (const [i, list] of byPassage) {
    const p = passages[i]
    if (!p) continue
    const n = citations.length + 1
    citations.push(citationOf(n, p))
    // The leading quote of the answer stays first; the others follow in document order.
    const [lead, ...rest] = list
    const ordered =
      i === top?.passage && lead
        ? [lead, ...rest.sort((a, b) => a.order - b.order)]
        : list.sort((a, b) => a.order - b.order)
    const body = ordered
      .map((u) => u.text)
      .join(ordered.some((u) => u.text.startsWith('|') || u.text.startsWith('- ')) ? '\n' : ' ')
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

/**
 * Share of a group's weight a unit earns when it states only a synonym of the question's word. A
 * round half, not fitted: on the dev split the first quote held the evidence as often as with the
 * full weight (54.5 %), and the thread's Berlin rule leads again instead of a sentence that says
 * "unused vacation" about Seattle.
 */
const SYNONYM_ONLY = 0.5

/**
 * What a unit says of the question: each group of terms (a word with its other forms and its
 * concept's phrases) counts once, at its first term's weight (SYNONYM_ONLY of it for a synonym
 * alone), when the unit states it (30% when
 * only the passage's headings do). `own` is true when the unit states one of the question's own
 * words (or their concept), not only words borrowed from earlier in the thread.
 */
function unitScore(
  plan: QueryPlan,
  text: string,
  headingStems: Set<string>,
): { score: number; own: boolean } {
  const stems = new Set(analyze(text).map((t) => t.stem))
  const head = groupHeads(plan)
  // Per group, the weight it earns in the text and in the headings: the head's weight when the
  // unit states the question's word (or its other forms), SYNONYM_ONLY of it when only a synonym
  // phrase stands for it ("unused vacation" says less about carrying over than "carry over").
  const inText = new Map<number, number>()
  const inHeading = new Map<number, number>()
  for (const t of plan.terms) {
    const h = head.get(t.group) ?? t
    const w = t.origin === 'synonym' && h.origin !== 'synonym' ? h.weight * SYNONYM_ONLY : h.weight
    const add = (m: Map<number, number>) => m.set(t.group, Math.max(m.get(t.group) ?? 0, w))
    if (t.lexemes.every((l) => stems.has(l))) add(inText)
    else if (t.lexemes.every((l) => headingStems.has(l))) add(inHeading)
  }
  let score = 0
  let own = false
  for (const [g, t] of head) {
    const text = inText.get(g)
    const heading = inHeading.get(g)
    if (text !== undefined) {
      score += text
      if (t.origin !== 'history' && !t.auxiliary) own = true
    } else if (heading !== undefined) score += heading * 0.3
  }
  // A follow-up about Berlin's rule wants Berlin's sentence, not Seattle's beside it.
  const names = plan.terms.filter((t) => t.entity)
  if (names.some((t) => t.lexemes.every((l) => stems.has(l) || headingStems.has(l)))) score *= NAMED_BOOST
  return { score, own }
}
