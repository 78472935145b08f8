/**
 * What turns text into vectors. Passages and queries may be embedded differently (some models
 * want a prefix; the local embedder weights query terms by rarity).
 */
export interface Embedder {
  /** Identity of model and dimension (e.g. `local-hash-v3:512`); vectors of two keys never mix. */
  readonly key: string
  readonly dimensions: number
  embed(texts: readonly string[], purpose: 'passage' | 'query', options?: EmbedOptions): Promise<number[][]>
}

export interface EmbedOptions {
  /**
   * Weight of a query term (by stem), e.g. its inverse document frequency in the index. Embedders
   * that work on features (the local one) use it; neural ones ignore it.
   */
  termWeight?: (stem: string) => number
}
