import type { SearchResult } from '../knowledge/search/search'

/**
 * Confidence that the documents answer the question, from retrieval alone (0..1):
 * - coverage: share of the question's idf weight found in the best passage;
 * - similarity: cosine of the best passage to the question (local embedder: ~0.1 unrelated,
 *   ~0.4+ on topic), scaled to 0..1;
 * - known: share of the question's idf weight the index knows at all. A question about "pet
 *   insurance" where "pet" appears nowhere is about something the handbook lacks.
 * Weights and the abstention threshold are calibrated on the sample handbook's dev set
 * (`npm run bench:retrieval` prints precision and recall at the chosen threshold).
 */
export function retrievalConfidence(result: SearchResult): number {
  const top = result.passages[0]
  if (!top) return 0
  const similarity = Math.min(1, Math.max(0, (top.similarity ?? 0) / 0.5))
  const own = result.plan.terms.filter((t) => t.origin === 'question' || t.origin === 'correction')
  const total = own.reduce((s, t) => s + t.weight, 0)
  const knownWeight = own.filter((t) => t.known).reduce((s, t) => s + t.weight, 0)
  const known = total > 0 ? knownWeight / total : 0
  const score = 0.45 * result.coverage + 0.3 * similarity + 0.25 * known
  return Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000
}

/** Below this confidence the assistant abstains and escalates (calibrated; see above). */
export const DEFAULT_ABSTAIN_BELOW = 0.5
