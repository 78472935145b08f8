import type { SearchResult } from '../knowledge/search/search'

/**
 * Confidence that the documents answer the question, from retrieval alone (0..1), as a weighted
 * sum of three signals:
 * - coverage (0.4): share of the question's idf weight the best passage expresses (the words, or
 *   the policy concept they name);
 * - known (0.4): share of the question's idf weight the index contains at all. A question about
 *   "pet insurance" where "pet" appears nowhere is about something the documents lack;
 * - similarity (0.2): the best cosine between the question and a retrieved passage, scaled so
 *   0.45 (a clearly on-topic passage for the local embedder) counts fully.
 * Weights and the threshold were chosen on the sample handbook's dev set (93 questions, 10 not
 * answerable), where this mix separated the two best (AUC 0.86–0.87, against 0.82 for coverage
 * alone); `npm run bench:retrieval` prints precision and recall at the threshold and a sweep.
 */
export function retrievalConfidence(result: SearchResult): number {
  if (result.passages.length === 0) return 0
  const own = result.plan.terms.filter((t) => t.origin === 'question' || t.origin === 'correction')
  const total = own.reduce((s, t) => s + t.weight, 0)
  const known = total > 0 ? own.filter((t) => t.known).reduce((s, t) => s + t.weight, 0) / total : 0
  const bestSimilarity = Math.max(0, ...result.passages.map((p) => p.similarity ?? 0))
  const score = 0.4 * result.coverage + 0.4 * known + 0.2 * Math.min(1, bestSimilarity / 0.45)
  return Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000
}

/**
 * Below this confidence the assistant abstains and escalates. On the dev set 0.45 maximises F1
 * and keeps wrong refusals of answerable questions rare (2 of 83); higher thresholds catch more
 * unanswerable questions only by refusing many answerable paraphrases.
 */
export const DEFAULT_ABSTAIN_BELOW = 0.45
