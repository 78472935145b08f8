import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIEmbedder } from '../../workers/knowledge/embed/openai'
import { benchEmbedder } from '../bench/evaluate'
import { type RecordedRequest, startTestServer } from '../helpers/http-server'

interface EmbeddingsBody {
  model: string
  input: string[]
  encoding_format: string
}

describe('embeddings from an OpenAI-compatible endpoint', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>
  let fail = false
  const embedding = (text: string) => [text.length, 1, 0] // deterministic, 3 dimensions

  beforeAll(async () => {
    server = await startTestServer((req: RecordedRequest) => {
      if (fail)
        return {
          status: 400,
          json: { error: { message: 'model bge-m3 is not loaded', type: 'invalid_request_error' } },
        }
      const body = req.body as EmbeddingsBody
      // Answer out of order: the client must reorder by index.
      const data = body.input
        .map((t, index) => ({ object: 'embedding', index, embedding: embedding(t) }))
        .reverse()
      return {
        json: { object: 'list', model: body.model, data, usage: { prompt_tokens: 1, total_tokens: 1 } },
      }
    })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('is what the quality bench measures when POLICYBOT_EMBEDDINGS_* name one (the local embedder otherwise)', async () => {
    const e = await benchEmbedder({
      POLICYBOT_EMBEDDINGS_BASE_URL: `${server.url}/v1`,
      POLICYBOT_EMBEDDINGS_MODEL: 'bge-m3',
    })
    expect(e.key).toBe('openai:bge-m3:3')
    expect((await benchEmbedder({})).key).toBe('local-hash-v3:512')
  })

  it('learns the dimension from a probe and batches requests', async () => {
    const e = await createOpenAIEmbedder({
      baseURL: `${server.url}/v1`,
      model: 'bge-m3',
      apiKey: 'secret',
      batchSize: 2,
      passagePrefix: 'passage: ',
    })
    expect(e.key).toBe('openai:bge-m3:3')
    expect(e.dimensions).toBe(3)
    server.requests.length = 0
    const vectors = await e.embed(['a', 'bb', 'ccc'], 'passage')
    expect(server.requests.map((r) => [r.path, (r.body as EmbeddingsBody).input])).toEqual([
      ['/v1/embeddings', ['passage: a', 'passage: bb']],
      ['/v1/embeddings', ['passage: ccc']],
    ])
    expect(server.requests[0]?.headers.authorization).toBe('Bearer secret')
    expect((server.requests[0]!.body as EmbeddingsBody).model).toBe('bge-m3')
    const norm = (v: number[]) => v.map((x) => x / Math.sqrt(v.reduce((s, y) => s + y * y, 0)))
    expect(vectors).toEqual([
      norm(embedding('passage: a')),
      norm(embedding('passage: bb')),
      norm(embedding('passage: ccc')),
    ])
  })

  it('reports a failing endpoint with its address and model', async () => {
    const e = await createOpenAIEmbedder({ baseURL: `${server.url}/v1`, model: 'bge-m3' })
    fail = true
    try {
      await expect(e.embed(['x'], 'query')).rejects.toMatchObject({
        code: 'EMBEDDER_ERROR',
        message: expect.stringMatching(
          /^Embedding request to http:\/\/127\.0\.0\.1:\d+\/v1 \(model bge-m3\) failed: 400 model bge-m3 is not loaded/,
        ),
      })
    } finally {
      fail = false
    }
  })
})
