import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { answer } from '../../workers/answering/answer'
import type { Database } from '../../workers/db/client'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { createOpenAIEmbedder } from '../../workers/knowledge/embed/openai'
import type { Embedder } from '../../workers/knowledge/embed/types'
import { detectLanguage } from '../../workers/knowledge/text/script'
import { filesUnder, openIndexedDb } from '../helpers/db'
import { baselineResults, indexedChunks } from './bm25'
import { answerQuotes, type DevQuestion, historyOf, loadDevSet } from './dev-set'

/** Where the labelled handbooks live. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))

/**
 * The out-of-domain handbooks (test/fixtures/ood/README.md): `dev` may be looked at while
 * tuning; `untouched` is only ever measured. The split was fixed before any result was seen.
 */
export const OOD_SPLITS = {
  dev: ['posthog', 'clef', 'cn-labour', 'cn-local', 'rocketchat'],
  untouched: ['gitlab', 'civicactions', 'cn-welfare', 'cn-public-sector'],
} as const

/** One labelled handbook: its documents and questions. */
export interface LabelledSet {
  name: string
  docs: string
  questions: DevQuestion[]
}

/** The sample handbook and every out-of-domain handbook present on disk. */
export function labelledSet(name: string): LabelledSet {
  const root = name === 'sample' ? join(FIXTURES, 'handbook') : join(FIXTURES, 'ood', name)
  return { name, docs: join(root, 'docs'), questions: loadDevSet(join(root, 'questions.jsonl')) }
}

/**
 * The embedder measured: the local one, or an embeddings endpoint when POLICYBOT_EMBEDDINGS_BASE_URL
 * and POLICYBOT_EMBEDDINGS_MODEL are set (as for the CLI), so that a real embedding model (the
 * runner's, for one) is measured on the same handbooks and questions.
 */
export async function benchEmbedder(
  env: Record<string, string | undefined> = process.env,
): Promise<Embedder> {
  const baseURL = env.POLICYBOT_EMBEDDINGS_BASE_URL
  const model = env.POLICYBOT_EMBEDDINGS_MODEL
  if (!baseURL || !model) return createLocalEmbedder()
  return createOpenAIEmbedder({
    baseURL,
    model,
    batchSize: Number(env.POLICYBOT_EMBEDDINGS_BATCH ?? 64),
    ...(env.POLICYBOT_EMBEDDINGS_API_KEY ? { apiKey: env.POLICYBOT_EMBEDDINGS_API_KEY } : {}),
  })
}

/** What happened to one question. */
export interface QuestionOutcome {
  set: string
  q: DevQuestion
  /** `zh` for questions in Chinese, else `en`. */
  language: string
  retrieved: { path: string; text: string }[]
  baseline: { path: string; text: string }[]
  confidence: number
  /** The answer's text (extractive, since no chat model). */
  text: string
  /** The first quotation of the extractive answer contains a labelled snippet. */
  firstQuoteHit: boolean
  /** Any quotation of the extractive answer contains a labelled snippet. */
  quoteHit: boolean
  ms: number
}

/**
 * Ingests one labelled handbook into a fresh embedded database and asks every question as a
 * chat would (follow-ups with the earlier turns), without a chat model and without abstaining,
 * so every answer's retrieval, confidence and quotation can be scored; and runs the BM25
 * baseline over the same chunks.
 */
export async function evaluateSet(set: LabelledSet): Promise<QuestionOutcome[]> {
  const embedder = await benchEmbedder()
  const { database } = (await openIndexedDb(filesUnder(set.docs), embedder)) as { database: Database }
  try {
    const db = database.db
    const byId = new Map(set.questions.map((q) => [q.id, q]))
    const answers = new Map<string, string>()
    const out: QuestionOutcome[] = []
    const baseline = new Map(
      baselineResults(await indexedChunks(db), set.questions).map((r) => [r.q.id, r.retrieved]),
    )
    for (const q of set.questions) {
      const started = performance.now()
      const a = await answer(
        { db, embedder, k: 10, abstainBelow: 0 },
        q.question,
        historyOf(q, byId, answers),
      )
      const ms = performance.now() - started
      answers.set(q.id, a.text)
      const first = a.text.split(/\s\[\d+\]/)[0] ?? ''
      out.push({
        set: set.name,
        q,
        language: detectLanguage(q.question) === 'zh' ? 'zh' : 'en',
        retrieved: a.passages.map((p) => ({ path: p.sourcePath, text: p.text })),
        baseline: baseline.get(q.id) ?? [],
        confidence: a.confidence,
        text: a.text,
        firstQuoteHit: answerQuotes(first, q.expect),
        quoteHit: answerQuotes(a.text, q.expect),
        ms,
      })
    }
    return out
  } finally {
    await database.close()
  }
}
