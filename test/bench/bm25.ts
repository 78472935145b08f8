import bm25 from 'wink-bm25-text-search'
import { analyze } from '../../workers/knowledge/text/analyze'

/** A chunk as the baseline sees it. */
export interface BaselineChunk {
  id: number
  path: string
  title: string
  heading: string
  text: string
}

/**
 * The BM25 baseline: wink-bm25-text-search (k1 1.2, b 0.75) over the same chunks, with the same
 * tokenizer as ours (Porter2 stems, stop words removed, CJK segmented) so that the comparison
 * measures ranking, fusion, typo handling and synonyms, not tokenization.
 */
export function createBm25(chunks: BaselineChunk[]) {
  const engine = bm25()
  engine.defineConfig({
    fldWeights: { title: 1, heading: 1, body: 1 },
    bm25Params: { k1: 1.2, b: 0.75, k: 1 },
  })
  engine.definePrepTasks([(s: unknown) => analyze(String(s)).map((t) => t.stem)])
  for (const c of chunks) engine.addDoc({ title: c.title, heading: c.heading, body: c.text }, c.id)
  engine.consolidate()
  const byId = new Map(chunks.map((c) => [String(c.id), c]))
  return {
    search(query: string, k: number): BaselineChunk[] {
      return engine
        .search(query, k)
        .map(([id]) => byId.get(String(id)))
        .filter((c): c is BaselineChunk => c !== undefined)
    },
  }
}
