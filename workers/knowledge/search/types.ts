/** A retrieved passage with everything a citation needs. */
export interface Passage {
  chunkId: number
  documentId: number
  sourceKind: string
  sourcePath: string
  title: string
  url: string | null
  headingPath: string[]
  page: number | null
  updatedAt: Date
  language: string
  text: string
  /** The department its front matter names (`department: hr`), if any. */
  department?: string
  /** Fused score (reciprocal rank fusion of the two channels), higher is better. */
  score: number
  /** idf-weighted full-text score, when the passage matched any query term. */
  lexical?: number
  /** Cosine similarity to the query embedding, when found by the vector channel. */
  similarity?: number
}

/** One weighted term (or phrase) of the full-text query. */
export interface QueryTerm {
  /** A tsquery: one lexeme (`'vacat'`) or a phrase (`'annual' <-> 'leav'`). */
  tsquery: string
  /** The lexemes it consists of. */
  lexemes: string[]
  weight: number
  origin: 'question' | 'history' | 'synonym' | 'correction' | 'variant'
  /** Whether the index contains it at all. */
  known: boolean
  /**
   * Terms of one group count as one word in ranking: the question's word, its other forms and
   * the phrases of the concept it names. A passage's term frequency is summed over the group and
   * weighed as the group's first term (BM25 with synonyms as one term).
   */
  group: number
  /** A CJK character or bridging bigram: it ranks, but it is not what the question asks about. */
  auxiliary?: boolean
  /**
   * How specific the term is in the general language, on the idf scale (about 1 for "take", 5
   * for a rare word): what its absence from a passage says, whatever the corpus's statistics.
   */
  specificity: number
  /** For a variant ("lost" of "lose"), the lexeme of the question term it stands for. */
  variantOf?: string
  /** A name borrowed from the earlier question (Berlin): a follow-up that names none keeps it. */
  entity?: boolean
  /** The word as typed, when this term is a spelling correction of it. */
  correctedFrom?: string
}

/** How a question was understood: what was searched for. */
export interface QueryPlan {
  /** The question as searched (made standalone from chat history when it was a follow-up). */
  text: string
  /** True when chat history was folded in. */
  followUp: boolean
  terms: QueryTerm[]
  /** The text embedded for the vector channel. */
  embedText: string
}
