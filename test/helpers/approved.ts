import { citationOf } from '../../workers/answering/citations'
import type { Citation } from '../../workers/answering/types'
import type { SearchResult } from '../../workers/knowledge/search/search'

/** Citations for the passages of a search result, numbered from 1. */
export function answerCitations(result: SearchResult): Citation[] {
  return result.passages.map((p, i) => citationOf(i + 1, p))
}
