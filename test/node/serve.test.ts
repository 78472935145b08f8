import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localApp } from '../../workers/cli/commands/serve'
import { loadConfig } from '../../workers/cli/config'
import type { Context } from '../../workers/cli/context'
import { smallHandbookFiles } from '../helpers/corpus'
import { openIndexedDb } from '../helpers/db'

describe('the local server (npm start)', () => {
  let ctx: Context
  const logged: string[] = []
  const app = () => localApp(ctx, { result: () => {}, progress: (m) => logged.push(m) })

  beforeAll(async () => {
    const { database, embedder } = await openIndexedDb(smallHandbookFiles())
    ctx = { config: loadConfig({}), database, embedder, close: () => database.close() }
  })
  afterAll(async () => {
    await ctx?.close()
  })

  it('answers POST /api/ask with the answer, its citations and what was retrieved', async () => {
    const res = await app().request('/api/ask', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'When do carried-over days expire?' }),
    })
    expect(res.status).toBe(200)
    const a = (await res.json()) as {
      mode: string
      citations: { sourcePath: string }[]
      retrieved: unknown[]
    }
    expect(a.mode).toBe('extractive')
    expect(a.citations[0]?.sourcePath).toBe('leave/annual-leave.md')
    expect(a.retrieved.length).toBeGreaterThan(0)
  })

  it('rejects malformed requests with 400 and a message', async () => {
    const notJson = await app().request('/api/ask', { method: 'POST', body: 'question=hi' })
    expect(notJson.status).toBe(400)
    expect(await notJson.json()).toEqual({
      error: { message: 'body must be JSON', type: 'invalid_request', code: 'BAD_REQUEST' },
    })
    const empty = await app().request('/api/ask', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: '   ', history: [{ role: 'bot', content: 'x' }] }),
    })
    expect(empty.status).toBe(400)
    const body = (await empty.json()) as { error: { message: string } }
    expect(body.error.message).toContain('question: question must not be empty')
    expect(body.error.message).toContain('history.0.role')
  })

  it('serves the ask page and stats', async () => {
    expect(await (await app().request('/')).text()).toContain('<h1>policybot</h1>')
    const stats = (await (await app().request('/api/stats')).json()) as { documents: number }
    expect(stats.documents).toBe(5)
  })
})
