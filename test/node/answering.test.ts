import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answer } from '../../workers/answering/answer'
import { createOpenAIChat } from '../../workers/answering/chat-model'
import type { Database } from '../../workers/db/client'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { smallHandbookFiles } from '../helpers/corpus'
import { openIndexedDb } from '../helpers/db'
import { chatCompletion, type RecordedRequest, startTestServer } from '../helpers/http-server'

interface ChatBody {
  model: string
  temperature: number
  messages: { role: string; content: string }[]
}

describe('answering', () => {
  let database: Database
  const embedder = createLocalEmbedder()

  beforeAll(async () => {
    database = (await openIndexedDb(smallHandbookFiles())).database
  })
  afterAll(async () => {
    await database?.close()
  })

  describe('without a chat model', () => {
    it('quotes the answering passage with a numbered citation, clearly labelled', async () => {
      const a = await answer(
        { db: database.db, embedder },
        'How many vacation days do I get in my third year?',
      )
      expect(a.mode).toBe('extractive')
      expect(a.escalate).toBe(false)
      expect(a.text).toMatch(/^From the handbook \(quoted passages; no language model is configured/)
      expect(a.text).toContain('> Full-time employees get 20 days of paid annual leave per year')
      expect(a.text).toContain('[1]')
      expect(a.citations[0]).toMatchObject({
        n: 1,
        sourcePath: 'leave/annual-leave.md',
        headingPath: ['Entitlement'],
        updated: '2026-03-14',
      })
    })

    it('labels a Chinese answer in Chinese', async () => {
      const a = await answer({ db: database.db, embedder }, '上海办公室的年假有几天？')
      expect(a.mode).toBe('extractive')
      expect(a.language).toBe('zh')
      expect(a.text).toContain('上海办公室员工每年享有十五天带薪年假。')
    })

    it('abstains and escalates when the documents do not cover the question', async () => {
      const a = await answer({ db: database.db, embedder }, 'Does the company offer pet insurance for dogs?')
      expect(a).toMatchObject({ mode: 'abstain', escalate: true, citations: [] })
      expect(a.text).toContain("couldn't find this")
      expect(a.confidence).toBeLessThan(0.5)
    })
  })

  describe('with an OpenAI-compatible chat model', () => {
    let reply: (req: RecordedRequest) => { status?: number; json?: unknown }
    let server: Awaited<ReturnType<typeof startTestServer>>
    beforeAll(async () => {
      server = await startTestServer((req) => reply(req))
    })
    afterAll(async () => {
      await server?.close()
    })
    const deps = (warn?: (m: string) => void) => ({
      db: database.db,
      embedder,
      chat: createOpenAIChat({ baseURL: `${server.url}/v1`, model: 'qwen2.5-7b:hr', apiKey: 'k' }),
      ...(warn ? { warn } : {}),
    })

    it('sends a grounded prompt with numbered sources and checks the citations it gets back', async () => {
      reply = () => ({
        json: chatCompletion('You get 25 days from your third year [1]. Ask HR for more [9].'),
      })
      server.requests.length = 0
      const a = await answer(deps(), 'How many vacation days do I get in my third year?')
      expect(a.mode).toBe('generated')
      expect(a.text).toBe('You get 25 days from your third year [1]. Ask HR for more.')
      expect(a.citations.map((c) => c.sourcePath)).toEqual(['leave/annual-leave.md'])
      expect(a.escalate).toBe(false)
      const [req] = server.requests
      expect(req?.path).toBe('/v1/chat/completions')
      expect(req?.headers.authorization).toBe('Bearer k')
      const body = req?.body as ChatBody
      expect(body.model).toBe('qwen2.5-7b:hr')
      expect(body.temperature).toBe(0)
      // The rules alone are the system message; the sources are fenced data before the question.
      expect(body.messages[0]?.content).toContain('Use ONLY the numbered sources in the <sources> block')
      expect(body.messages[0]?.content).not.toContain('Full-time employees')
      expect(body.messages.at(-1)?.role).toBe('user')
      expect(body.messages.at(-1)?.content).toMatch(
        /^<sources>\n<source n="1" title="Annual leave › Entitlement \(updated 2026-03-14\)">\nFull-time employees get 20 days/,
      )
      expect(body.messages.at(-1)?.content).toMatch(
        /<\/sources>\n\nQuestion: How many vacation days do I get in my third year\?$/,
      )
    })

    it('abstains when the model says the sources do not cover the question', async () => {
      reply = () => ({ json: chatCompletion('NOT_IN_SOURCES') })
      const a = await answer(deps(), 'How many vacation days do I get in my third year?')
      expect(a).toMatchObject({ mode: 'abstain', escalate: true })
    })

    it('escalates a generated answer that cites nothing', async () => {
      reply = () => ({ json: chatCompletion('Probably 25 days.') })
      const a = await answer(deps(), 'How many vacation days do I get in my third year?')
      expect(a).toMatchObject({ mode: 'generated', escalate: true, citations: [] })
    })

    it('rewrites follow-ups with the model before searching', async () => {
      server.requests.length = 0
      reply = (req) => {
        const body = req.body as ChatBody
        return body.messages[0]?.content.startsWith('Rewrite')
          ? { json: chatCompletion('Do unused vacation days carry over to next year?') }
          : { json: chatCompletion('Up to 5 days carry over [1].') }
      }
      const a = await answer(deps(), 'and do they carry over?', [
        { role: 'user', content: 'How many vacation days do I get?' },
        { role: 'assistant', content: 'You get 20 days [1].' },
      ])
      expect(a.searchedQuestion).toBe('Do unused vacation days carry over to next year?')
      expect(a.citations[0]?.headingPath).toEqual(['Carry-over'])
      expect((server.requests[0]!.body as ChatBody).messages[1]?.content).toBe(
        'Employee: How many vacation days do I get?\nAssistant: You get 20 days [1].\nEmployee: and do they carry over?',
      )
    })

    it('falls back to quoting when the model endpoint fails, and says why', async () => {
      reply = () => ({
        status: 400,
        json: { error: { message: 'model not loaded', type: 'invalid_request_error' } },
      })
      const warnings: string[] = []
      const a = await answer(
        deps((m) => warnings.push(m)),
        'What is the minimum password length?',
      )
      expect(a.mode).toBe('extractive')
      expect(a.citations[0]?.sourcePath).toBe('it/security.md')
      expect(warnings.join('\n')).toMatch(
        /Chat request to http:\/\/127\.0\.0\.1:\d+\/v1 \(model qwen2\.5-7b:hr\) failed: 400 model not loaded/,
      )
    })
  })
})
