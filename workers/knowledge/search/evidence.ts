import { analyze } from '../text/analyze'
import { CJK_CHAR } from '../text/script'
import { conceptSpans, conceptsOf, isSynonymConcept } from '../text/thesaurus'
import type { Passage, QueryPlan, QueryTerm } from './types'

/** The question's own terms (not borrowed, expanded or varied, nor CJK auxiliaries): what it asks about. */
export function ownTerms(plan: QueryPlan): QueryTerm[] {
  return plan.terms.filter((t) => (t.origin === 'question' || t.origin === 'correction') && !t.auxiliary)
}

/**
 * The first term of each group (the question's own word, before its forms and synonyms): what
 * the group weighs, in ranking and in choosing quotes.
 */
export function groupHeads(plan: QueryPlan): Map<number, QueryTerm> {
  const heads = new Map<number, QueryTerm>()
  for (const t of plan.terms) if (!heads.has(t.group)) heads.set(t.group, t)
  return heads
}

/**
 * For each of the question's own terms, whether a passage expresses it: the term itself (in the
 * text, the title or the headings), or a synonym concept the term names in the question (a
 * question about "PTO" is covered by a passage about "annual leave"; a broad topic is not enough).
 */
export function termsPresent(plan: QueryPlan, passage: Passage | undefined): boolean[] {
  const own = ownTerms(plan)
  if (!passage) return own.map(() => false)
  const passageStems = analyze(`${passage.title} ${passage.headingPath.join(' ')} ${passage.text}`).map(
    (t) => t.stem,
  )
  const present = new Set(passageStems)
  const passageConcepts = conceptsOf(passageStems)
  // Only a synonym concept stands for the word: a passage on phishing does not speak of passwords.
  const spans = conceptSpans(own.map((t) => t.lexemes[0] ?? '')).filter((s) => isSynonymConcept(s.concept))
  return own.map(
    (t, i) =>
      t.lexemes.every((l) => present.has(l)) ||
      spans.some((s) => s.start <= i && i < s.end && passageConcepts.has(s.concept)),
  )
}

/** Words apart (in content words) that two of the question's neighbouring words may stand. */
const NEAR = 3

/**
 * The share of the question's neighbouring word pairs ("wifi password", "dress code", "notice
 * period"), weighted by the lighter of the two, that a passage states close together (within
 * NEAR content words) or as one concept. A trap shares words with a passage, scattered: a passage
 * about passwords that mentions hotel Wi-Fi elsewhere does not give the office's wifi password.
 * Undefined when the question has no such pair (one word, or Chinese).
 */
export function pairsNear(plan: QueryPlan, passage: Passage | undefined): number | undefined {
  const own = ownTerms(plan).filter((t) => t.lexemes.length === 1 && !CJK_CHAR.test(t.lexemes[0] ?? ''))
  if (own.length < 2 || !passage) return undefined
  const stems = analyze(`${passage.headingPath.at(-1) ?? ''} ${passage.text}`).map((t) => t.stem)
  const at = new Map<string, number[]>()
  stems.forEach((s, i) => {
    at.set(s, [...(at.get(s) ?? []), i])
  })
  const concepts = conceptsOf(stems)
  const spans = conceptSpans(own.map((t) => t.lexemes[0] ?? '')).filter((s) => isSynonymConcept(s.concept))
  let total = 0
  let found = 0
  for (let i = 0; i + 1 < own.length; i++) {
    const a = own[i] as QueryTerm
    const b = own[i + 1] as QueryTerm
    const w = Math.min(a.weight, b.weight)
    total += w
    const inConcept = spans.some((s) => s.start <= i && i + 1 < s.end && concepts.has(s.concept))
    const pa = at.get(a.lexemes[0] ?? '') ?? []
    const pb = at.get(b.lexemes[0] ?? '') ?? []
    if (inConcept || pa.some((p) => pb.some((q) => Math.abs(p - q) <= NEAR))) found += w
  }
  return total > 0 ? found / total : undefined
}
