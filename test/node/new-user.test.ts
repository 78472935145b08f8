import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { answer } from '../../workers/answering/answer'
import type { Database } from '../../workers/db/client'
import type { Embedder } from '../../workers/knowledge/embed/types'
import { filesUnder, openIndexedDb } from '../helpers/db'

const DOCS = fileURLToPath(new URL('../fixtures/handbook/docs', import.meta.url))

/**
 * The first questions a new user tries on the sample handbook (issue 12): the page's own
 * placeholder must be answered with the entitlement, questions the handbook does not answer must
 * be escalated, not answered with unrelated quotes, and a follow-up keeps its thread's office.
 */
describe('a new user on the sample handbook', () => {
  let database: Database
  let embedder: Embedder
  beforeAll(async () => {
    ;({ database, embedder } = await openIndexedDb(filesUnder(DOCS)))
  }, 60_000)
  afterAll(async () => {
    await database?.close()
  })
  const ask = (q: string, history: string[] = []) =>
    answer(
      { db: database.db, embedder },
      q,
      history.flatMap((content) => [
        { role: 'user' as const, content },
        { role: 'assistant' as const, content: '' },
      ]),
    )

  it('answers the placeholder question with the annual leave entitlement, not a side rule', async () => {
    const a = await ask('How many vacation days do I get?')
    expect(a.mode).toBe('extractive')
    expect(a.citations[0]?.sourcePath).toBe('leave/annual-leave.md')
    expect(a.citations[0]?.headingPath[0]).toBe('Entitlement by office')
    const firstQuote = a.text.split(/\s\[\d+\]/)[0] ?? ''
    expect(firstQuote).toMatch(/receive (20|28) days of annual leave/)
  })

  it.each([
    "What is the company's policy on bringing pets to the office?",
    'Is there a company softball team?',
    'What is the wifi password at the Seattle office?',
    'Is there a dress code?',
  ])('escalates what the handbook does not say: %s', async (q) => {
    const a = await ask(q)
    expect(a.mode).toBe('abstain')
    expect(a.escalate).toBe(true)
  })

  it("keeps a follow-up on the thread's office: Berlin's carry-over rule, not Seattle's", async () => {
    const a = await ask('And do unused days carry over?', [
      'How many days of annual leave do Berlin employees get?',
    ])
    expect(a.mode).toBe('extractive')
    const firstQuote = a.text.split(/\s\[\d+\]/)[0] ?? ''
    expect(firstQuote).toContain('In Berlin, untaken leave carries over')
  })
})
