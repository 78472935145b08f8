import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { storeApproved } from '../../workers/approved/store'
import { withdrawApprovedFor } from '../../workers/approved/withdraw'
import { main } from '../../workers/cli/main'
import { openPglite } from '../../workers/db/pglite'
import { documents } from '../../workers/db/schema'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { smallHandbookFiles } from '../helpers/corpus'
import { ingestFiles } from '../helpers/db'

const dir = mkdtempSync(join(tmpdir(), 'policybot-export-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const citation = (documentId: number) => ({
  n: 1,
  documentId,
  title: 'Annual leave',
  sourcePath: 'leave.md',
  headingPath: ['Entitlement'],
  url: null,
  page: null,
  updated: '2026-03-14',
})

describe('policybot export-approved', () => {
  it('writes the live approved answers as instruction/input/output JSONL, skipping withdrawn ones', async () => {
    const database = await openPglite({ dataDir: dir })
    const embedder = createLocalEmbedder()
    await storeApproved(database.db, embedder, {
      escalationId: null,
      question: 'How many vacation days after two years?',
      answer: '25 days from the third year [1].',
      citations: [citation(1)],
      approvedBy: 'U0ADMIN001',
    })
    await storeApproved(database.db, embedder, {
      escalationId: null,
      question: 'Old question',
      answer: 'Old answer [1].',
      citations: [citation(2)],
      approvedBy: 'U0ADMIN001',
    })
    await withdrawApprovedFor(database.db, 2, 'cited document replaced')
    await database.close()

    const out = join(dir, 'approved.jsonl')
    const lines: string[] = []
    const code = await main(
      ['export-approved', '--data', dir, '--out', out],
      {},
      {
        result: (t) => lines.push(t),
        progress: (t) => lines.push(t),
      },
    )
    expect(code).toBe(0)
    expect(lines.join('\n')).toContain('Wrote 1 approved answers')
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(rows).toEqual([
      {
        instruction: 'How many vacation days after two years?',
        input: '[1] Annual leave › Entitlement (updated 2026-03-14)',
        output: '25 days from the third year [1].',
      },
    ])
  })

  it('writes only answers citing documents for everyone, unless told an audience (the adapter answers everyone)', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'policybot-export-aud-'))
    try {
      const database = await openPglite({ dataDir: dir2 })
      const embedder = createLocalEmbedder()
      await ingestFiles(database.db, embedder, smallHandbookFiles())
      const docs = await database.db.select().from(documents)
      const idOf = (path: string) => docs.find((d) => d.sourcePath === path)?.id as number
      for (const [question, path] of [
        ['How many vacation days after two years?', 'leave/annual-leave.md'],
        ['How many requisitions may a team lead open?', 'managers/hiring.md'],
      ] as const) {
        await storeApproved(database.db, embedder, {
          escalationId: null,
          question,
          answer: 'See the policy [1].',
          citations: [{ ...citation(idOf(path)), sourcePath: path }],
          approvedBy: 'U0ADMIN001',
        })
      }
      await database.close()
      const exported = async (...flags: string[]) => {
        const lines: string[] = []
        const code = await main(
          ['export-approved', '--data', dir2, ...flags],
          {},
          {
            result: (t) => lines.push(t),
            progress: () => {},
          },
        )
        expect(code).toBe(0)
        return lines
          .join('\n')
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { instruction: string }).instruction)
      }
      expect(await exported()).toEqual(['How many vacation days after two years?'])
      expect(await exported('--audience', 'seattle')).toEqual(['How many vacation days after two years?'])
      const both = ['How many vacation days after two years?', 'How many requisitions may a team lead open?']
      expect(await exported('--audience', 'Managers')).toEqual(both)
      expect(await exported('--all-audiences')).toEqual(both)
    } finally {
      rmSync(dir2, { recursive: true, force: true })
    }
  })

  it("writes one department's answers with --department (none: those of no department)", async () => {
    const dir3 = mkdtempSync(join(tmpdir(), 'policybot-export-dep-'))
    try {
      const database = await openPglite({ dataDir: dir3 })
      const embedder = createLocalEmbedder()
      for (const [question, department] of [
        ['How many vacation days after two years?', 'hr'],
        ['How long must a password be?', 'it'],
        ['When is parental leave paid?', 'hr'],
        ['Where is the office?', null],
      ] as const) {
        await storeApproved(database.db, embedder, {
          escalationId: null,
          question,
          answer: 'See the handbook [1].',
          citations: [citation(1)],
          approvedBy: 'U0ADMIN001',
          department,
        })
      }
      await database.close()
      const exported = async (...flags: string[]) => {
        const lines: string[] = []
        expect(
          await main(
            ['export-approved', '--data', dir3, ...flags],
            {},
            {
              result: (t) => lines.push(t),
              progress: () => {},
            },
          ),
        ).toBe(0)
        return lines
          .join('\n')
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { instruction: string }).instruction)
      }
      expect(await exported('--department', 'hr')).toEqual([
        'How many vacation days after two years?',
        'When is parental leave paid?',
      ])
      expect(await exported('--department', 'IT')).toEqual(['How long must a password be?'])
      expect(await exported('--department', 'none')).toEqual(['Where is the office?'])
      expect(await exported('--department', 'sales')).toEqual([])
      expect(await exported()).toHaveLength(4)
    } finally {
      rmSync(dir3, { recursive: true, force: true })
    }
  })
})
