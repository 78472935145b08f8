import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { storeApproved } from '../../workers/approved/store'
import { withdrawApprovedFor } from '../../workers/approved/withdraw'
import { main } from '../../workers/cli/main'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'

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
})
