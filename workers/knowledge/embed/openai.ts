import OpenAI from 'openai'
import { PolicybotError } from '../../errors'
import type { Embedder } from './types'

export interface OpenAIEmbedderOptions {
  baseURL: string
  apiKey?: string
  model: string
  /** Texts per request (default 64). */
  batchSize?: number
  /** Prefixes some embedding models expect (e.g. `search_query: ` / `search_document: `). */
  queryPrefix?: string
  passagePrefix?: string
  fetch?: typeof fetch
}

/**
 * Embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (the gpu-runner, llama-server,
 * OpenAI itself) through the `openai` package, in batches. The dimension is learnt from one probe
 * request, so the key (`openai:<model>:<dims>`) is exact before anything is written.
 */
export async function createOpenAIEmbedder(options: OpenAIEmbedderOptions): Promise<Embedder> {
  const client = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey ?? 'none',
    maxRetries: 3,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const batchSize = options.batchSize ?? 64
  const request = async (input: string[]): Promise<number[][]> => {
    try {
      const res = await client.embeddings.create({ model: options.model, input, encoding_format: 'float' })
      const out: number[][] = new Array(input.length)
      for (const d of res.data) out[d.index] = d.embedding
      if (out.some((v) => !Array.isArray(v)))
        throw new Error('response is missing embeddings for some inputs')
      return out
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e)
      throw new PolicybotError(
        'EMBEDDER_ERROR',
        `Embedding request to ${options.baseURL} (model ${options.model}) failed: ${detail}`,
        { cause: e },
      )
    }
  }
  const [probe] = await request(['dimension probe'])
  const dimensions = probe?.length ?? 0
  if (dimensions === 0)
    throw new PolicybotError('EMBEDDER_ERROR', `${options.baseURL} returned an empty embedding.`)
  return {
    key: `openai:${options.model}:${dimensions}`,
    dimensions,
    async embed(texts, purpose) {
      const prefix = (purpose === 'query' ? options.queryPrefix : options.passagePrefix) ?? ''
      const out: number[][] = []
      for (let i = 0; i < texts.length; i += batchSize) {
        const batch = texts.slice(i, i + batchSize).map((t) => prefix + t)
        for (const v of await request(batch)) {
          if (v.length !== dimensions) {
            throw new PolicybotError(
              'EMBEDDER_ERROR',
              `${options.baseURL} changed dimension (${v.length} ≠ ${dimensions}).`,
            )
          }
          out.push(normalize(v))
        }
      }
      return out
    },
  }
}

function normalize(v: number[]): number[] {
  let n = 0
  for (const x of v) n += x * x
  n = Math.sqrt(n) || 1
  return v.map((x) => x / n)
}
