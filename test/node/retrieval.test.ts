import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../workers/db/client'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { reindex } from '../../workers/knowledge/reindex'
import { search } from '../../workers/knowledge/search/search'
import { smallHandbookFiles } from '../helpers/corpus'
import { openIndexedDb } from '../helpers/db'

describe('hybrid retrieval over the embedded database', () => {
  let database: Database
  const embedder = createLocalEmbedder()
  const top = async (q: string, opts: Parameters<typeof search>[3] = {}) => {
    const r = await search(database.db, embedder, q, { k: 3, ...opts })
    return r.passages.map((p) => `${p.sourcePath}#${p.headingPath.join('>')}`)
  }

  beforeAll(async () => {
    database = (await openIndexedDb(smallHandbookFiles())).database
  })
  afterAll(async () => {
    await database?.close()
  })

  it('returns passages with everything a citation needs', async () => {
    const r = await search(database.db, embedder, 'How many days of annual leave do I get?', { k: 2 })
    expect(r.passages[0]).toMatchObject({
      sourcePath: 'leave/annual-leave.md',
      title: 'Annual leave',
      headingPath: ['Entitlement'],
      url: null,
      text: expect.stringContaining('20 days of paid annual leave'),
    })
    expect(r.passages[0]?.updatedAt.toISOString().slice(0, 10)).toBe('2026-03-14')
    expect(r.passages[0]?.score).toBeGreaterThan(r.passages[1]?.score ?? 0)
    expect(r.passages[0]?.similarity).toBeGreaterThan(0)
    expect(r.passages[0]?.lexical).toBeGreaterThan(0)
  })

  it('finds Chinese passages for Chinese questions', async () => {
    expect((await top('上海年假有几天？'))[0]).toBe('zh/shanghai-leave.md#年假')
    expect((await top('出差报销的截止时间是什么时候？'))[0]).toBe('zh/shanghai-leave.md#报销')
  })

  it('tolerates typos', async () => {
    expect((await top('reimbursment deadline for expences'))[0]).toBe('money/expenses.md#Reimbursement')
    const r = await search(database.db, embedder, 'pasword lenght', { k: 1 })
    expect(r.passages[0]?.sourcePath).toBe('it/security.md')
    expect(r.plan.terms.find((t) => t.correctedFrom === 'pasword')?.lexemes).toEqual(['password'])
  })

  it('bridges policy synonyms the document does not use', async () => {
    expect((await top('How much PTO do I get per year?'))[0]).toBe('leave/annual-leave.md#Entitlement')
    expect((await top('how do I get my money back for a taxi ride?'))[0]).toBe(
      'money/expenses.md#Reimbursement',
    )
  })

  it('resolves follow-up questions from the conversation', async () => {
    const history = [
      { role: 'user' as const, content: 'How many vacation days do I get?' },
      { role: 'assistant' as const, content: 'You get 20 days [1].' },
    ]
    const r = await search(database.db, embedder, 'and do they carry over?', { k: 3, history })
    expect(r.plan.followUp).toBe(true)
    expect(r.passages[0]?.headingPath).toEqual(['Carry-over'])
  })

  it('returns one copy of a passage a handbook keeps in two trees, and gives the place of the copy to another passage', async () => {
    const page = (s: string) => new TextEncoder().encode(s)
    const copy = '# Corporate card\n\n## Limits\n\nCard purchases are limited to USD 200 per item.\n'
    const { database: twin } = await openIndexedDb([
      { path: 'company/finance/card.md', bytes: page(copy) },
      { path: 'departments/finance/card.md', bytes: page(copy) },
      {
        path: 'finance/card-requests.md',
        bytes: page(
          '# Card requests\n\nAsk finance for a corporate card; the limit per item is set by finance.\n',
        ),
      },
    ])
    try {
      const r = await search(twin.db, embedder, 'what is the corporate card limit per item?', { k: 2 })
      expect(r.passages.map((p) => p.sourcePath).sort()).toEqual([
        expect.stringMatching(/^(company|departments)\/finance\/card\.md$/),
        'finance/card-requests.md',
      ])
    } finally {
      await twin.close()
    }
  })

  it("bridges an employee's words to HR's: a thumb drive is removable media, a dad's leave is paternity leave", async () => {
    const page = (s: string) => new TextEncoder().encode(s)
    const { database: hr } = await openIndexedDb([
      {
        path: 'security/removable-media.md',
        bytes: page(
          '# Removable media\n\nCopying company files to removable media requires approval from IT.\n',
        ),
      },
      {
        path: 'security/laptops.md',
        bytes: page('# Laptops\n\nCopy files only to the company drive, never to a personal laptop.\n'),
      },
      {
        path: 'leave/paternity.md',
        bytes: page('# Paternity leave\n\nPaternity leave is 4 weeks, on full pay.\n'),
      },
      {
        path: 'leave/sick.md',
        bytes: page(
          '# Sick leave\n\nSick leave: take the leave you need when you are ill, and tell your manager how long you expect to be out.\n',
        ),
      },
    ])
    try {
      const first = async (q: string) => (await search(hr.db, embedder, q, { k: 1 })).passages[0]?.sourcePath
      expect(await first('can i copy files onto a thumb drive?')).toBe('security/removable-media.md')
      expect(await first('my wife is due in may, how long is dad leave here?')).toBe('leave/paternity.md')
    } finally {
      await hr.close()
    }
  })

  it('searches restricted documents only for their audience', async () => {
    expect(
      await top('How many requisitions can a team lead open?', { audiences: ['employees'] }),
    ).not.toContain('managers/hiring.md#')
    expect((await top('How many requisitions can a team lead open?', { audiences: ['managers'] }))[0]).toBe(
      'managers/hiring.md#',
    )
  })

  it('never compares vectors of two embedders, and reindex moves the index to the new one', async () => {
    const other = createLocalEmbedder(256)
    const before = await search(database.db, other, 'minimum password length', { k: 3 })
    expect(before.passages[0]?.sourcePath).toBe('it/security.md') // full-text still answers
    expect(before.passages.every((p) => p.similarity === undefined)).toBe(true)
    expect(await reindex(database.db, other)).toBe(9)
    const after = await search(database.db, other, 'minimum password length', { k: 3 })
    expect(after.passages[0]?.similarity).toBeGreaterThan(0)
    const old = await search(database.db, embedder, 'minimum password length', { k: 3 })
    expect(old.passages.every((p) => p.similarity === undefined)).toBe(true)
    expect(await reindex(database.db, embedder)).toBe(9)
  })
})
