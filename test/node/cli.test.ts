import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { ingestBytes } from '../../workers/knowledge/ingest'
import { cli } from '../helpers/cli'
import { SMALL_HANDBOOK } from '../helpers/corpus'
import { makePdf } from '../helpers/pdf'

describe('the policybot CLI', () => {
  let work: string
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'policybot-cli-'))
    const hb = join(work, 'handbooks')
    for (const [path, text] of Object.entries(SMALL_HANDBOOK)) {
      mkdirSync(dirname(join(hb, path)), { recursive: true })
      writeFileSync(join(hb, path), text)
    }
    writeFileSync(
      join(hb, 'travel.pdf'),
      await makePdf([{ h: 1, text: 'Travel' }, { p: 'Book flights fourteen days ahead.' }]),
    )
    writeFileSync(join(hb, 'broken.pdf'), 'this is not a pdf')
    writeFileSync(join(hb, 'empty.md'), '')
    // A static-site section page: front matter only, nothing to index.
    writeFileSync(join(hb, 'index.md'), '---\ntitle: Handbook\nlayout: section\n---\n')
    writeFileSync(join(hb, 'photo.png'), 'png')
    writeFileSync(join(hb, 'big.txt'), 'x'.repeat(2 * 1024 * 1024))
  })
  afterAll(() => {
    rmSync(work, { recursive: true, force: true })
  })

  it('ingests a directory, reporting bad files by name and exiting non-zero', async () => {
    const r = await cli(['ingest', 'handbooks', '--max-file-mb', '1'], work)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Ingested 8 files')
    expect(r.stdout).toContain('6 new, 0 replaced, 0 unchanged, 2 failed')
    expect(r.stdout).toContain('Skipped 1 files of unsupported types: photo.png')
    expect(r.stdout).toContain('Skipped 2 pages with nothing to index: empty.md, index.md')
    expect(r.stdout).toContain('big.txt: 2.0 MB is over the 1.0 MB limit')
    expect(r.stdout).toContain('broken.pdf: not a PDF file (no %PDF- header).')
    expect(r.stdout).not.toContain('index.md: the file contains no text')
    expect(r.stderr).toMatch(
      /\[\d+\/10\] leave\/annual-leave\.md: created "Annual leave" \(markdown, 2 sections, 2 chunks\)/,
    )
    expect(r.stderr).toMatch(/travel\.pdf: created "Travel" \(pdf, 1 pages/)
  })

  it('leaves unchanged files alone on a second run', async () => {
    const r = await cli(['ingest', 'handbooks', '--max-file-mb', '1'], work)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('0 new, 0 replaced, 6 unchanged, 2 failed')
  })

  it('answers a question as JSON with citations and retrieved passages', async () => {
    const r = await cli(['ask', 'How many vacation days do I get?', '--json'], work)
    expect(r.code).toBe(0)
    const a = JSON.parse(r.stdout)
    expect(a.mode).toBe('extractive')
    expect(a.citations[0]).toMatchObject({ n: 1, sourcePath: expect.stringMatching(/annual-leave\.md$/) })
    expect(a.retrieved[0]).toMatchObject({
      path: expect.stringMatching(/annual-leave\.md$/),
      heading: 'Entitlement',
    })
  })

  it('evaluates a JSONL file, following `previous` for chat history', async () => {
    writeFileSync(
      join(work, 'q.jsonl'),
      // A byte-order mark and Windows line endings, as spreadsheet exports write them.
      `\uFEFF${[
        JSON.stringify({ id: 'a1', question: 'How many vacation days do I get?', expected: 'ignored' }),
        JSON.stringify({ id: 'a2', question: 'and do they carry over?', previous: 'a1' }),
        'not json',
        JSON.stringify({ id: 'a3', question: 'Is there a policy on pet insurance for dogs?' }),
      ].join('\r\n')}`,
    )
    const r = await cli(['eval', '--questions', 'q.jsonl', '--k', '3', '--out', 'out.jsonl'], work)
    expect(r.code).toBe(1) // one malformed line
    const lines = readFileSync(join(work, 'out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.id, l.mode])).toEqual([
      ['a1', 'extractive'],
      ['a2', 'extractive'],
      [null, 'abstain'],
      ['a3', 'abstain'],
    ])
    expect(lines[1].retrieved).toHaveLength(3)
    expect(lines[1].retrieved[0]).toEqual({
      path: expect.stringMatching(/annual-leave\.md$/),
      heading: 'Carry-over',
      score: expect.any(Number),
      text: expect.stringContaining('Up to 5 unused days carry over'),
    })
    expect(lines[2].error).toMatch(/not valid JSON/)
    expect(lines[3]).toMatchObject({ escalate: true, citations: [] })
    expect(r.stderr).toContain('[4/4] a3: abstain')
  })

  it('removes documents from the index by their stored path', async () => {
    const r = await cli(['remove', 'it/security.md', 'no/such.md'], work)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Removed 1 of 2 documents.')
    expect(r.stdout).toContain('Not in the index: no/such.md')
    const a = JSON.parse((await cli(['ask', 'minimum password length', '--json'], work)).stdout)
    expect(a.retrieved.map((p: { path: string }) => p.path)).not.toContain('it/security.md')
  })

  it('removes a handbook uploaded in chat by its stored name too', async () => {
    const database = await openPglite({ dataDir: join(work, '.policybot') })
    try {
      await ingestBytes(database.db, createLocalEmbedder(), {
        sourceKind: 'upload',
        sourcePath: 'bike-scheme.md',
        name: 'bike-scheme.md',
        bytes: new TextEncoder().encode('# Bike scheme\n\nThe bike scheme lends a bicycle for 12 months.\n'),
        maxBytes: 1e6,
      })
    } finally {
      await database.close()
    }
    const r = await cli(['remove', 'bike-scheme.md'], work)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Removed 1 of 1 documents.')
    const a = JSON.parse((await cli(['ask', 'bike scheme bicycle', '--json'], work)).stdout)
    expect(a.retrieved.map((p: { path: string }) => p.path)).not.toContain('bike-scheme.md')
  })

  it('refuses a data directory another live process holds', async () => {
    const data = join(work, 'locked')
    mkdirSync(data)
    writeFileSync(join(data, 'lock'), String(process.pid))
    const r = await cli(['stats', '--data', data], work)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`The data directory ${data} is in use by process ${process.pid}`)
  })

  it('explains bad usage and configuration', async () => {
    expect((await cli(['frobnicate'], work)).code).toBe(2)
    const r = await cli(['stats'], work, { POLICYBOT_MAX_FILE_MB: 'huge' })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('POLICYBOT_MAX_FILE_MB')
  })
})
