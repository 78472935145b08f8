// Type declarations for small untyped dependencies.
declare module 'wink-porter2-stemmer' {
  /** Porter2 (Snowball English) stem of one lower-case word: the stemmer Postgres's `english` config uses. */
  const stem: (word: string) => string
  export default stem
}

declare module 'wink-bm25-text-search' {
  type Prep = (input: unknown) => unknown
  interface BM25Engine {
    defineConfig(config: { fldWeights: Record<string, number>; bm25Params?: Record<string, number> }): boolean
    definePrepTasks(tasks: Prep[], field?: string): number
    addDoc(doc: Record<string, string>, id: string | number): number
    consolidate(fp?: number): boolean
    search(text: string, limit?: number): [string, number][]
  }
  const bm25: () => BM25Engine
  export default bm25
}

declare module 'turndown-plugin-gfm' {
  import type TurndownService from 'turndown'
  export const gfm: TurndownService.Plugin
  export const tables: TurndownService.Plugin
  export const strikethrough: TurndownService.Plugin
  export const taskListItems: TurndownService.Plugin
}
// @mixmark-io/domino ships a declaration for the module name 'domino' (its upstream name), not
// for its own; this gives its package name the same API, the part we use.
declare module '@mixmark-io/domino' {
  const domino: {
    createDocument(html?: string, force?: boolean): Document
  }
  export default domino
}
