import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { citationOf } from '../../workers/answering/citations'
import type { Citation } from '../../workers/answering/types'
import type { Database } from '../../workers/db/client'
import { chosenCitations, citationsForEdit } from '../../workers/escalation/edit-citations'
import { search } from '../../workers/knowledge/search/search'
import { smallHandbookFiles } from '../helpers/corpus'
import { openIndexedDb } from '../helpers/db'

/** Issue 12: an approved answer an admin rewrote cites what supports the new text, not the draft's sources. */
describe('citations of an edited answer', () => {
  let database: Database
  let draft: Citation[]
  beforeAll(async () => {
    const opened = await openIndexedDb(smallHandbookFiles())
    database = opened.database
    const r = await search(
      database.db,
      opened.embedder,
      'How many days of annual leave, and do they carry over?',
      {
        k: 3,
      },
    )
    draft = r.passages.map((p, i) => citationOf(i + 1, p))
    expect(draft.map((c) => c.headingPath[0])).toEqual(expect.arrayContaining(['Entitlement', 'Carry-over']))
  }, 60_000)
  afterAll(async () => {
    await database?.close()
  })

  it("keeps only the draft's sources that state what the admin wrote", async () => {
    const r = await citationsForEdit(
      database.db,
      'You can carry over up to 5 unused days; carried-over days expire on 31 March.',
      draft,
    )
    expect(r.citations.map((c) => [c.n, c.headingPath[0]])).toEqual([[1, 'Carry-over']])
  })

  it('cites nothing when the admin answered from their own knowledge', async () => {
    const r = await citationsForEdit(
      database.db,
      'Please talk to your People Partner; this is decided case by case.',
      draft,
    )
    expect(r.citations).toEqual([])
  })

  it('follows the [n] markers an admin wrote, renumbered in the order cited', async () => {
    const carry = draft.find((c) => c.headingPath[0] === 'Carry-over') as Citation
    const r = await citationsForEdit(database.db, `Five days roll over [${carry.n}].`, draft)
    expect(r.text).toBe('Five days roll over [1].')
    expect(r.citations).toEqual([{ ...carry, n: 1 }])
  })

  it('keeps exactly the sources an admin picked, renumbered, and drops markers of the others', () => {
    const three = [1, 2, 3].map((n) => ({ ...(draft[0] as Citation), n, title: `Doc ${n}` }))
    const picked = chosenCitations('Leave is 25 days [1], carried over [3] until March [2].', three, [3, 1])
    expect(picked.citations.map((c) => [c.n, c.title])).toEqual([
      [1, 'Doc 1'],
      [2, 'Doc 3'],
    ])
    expect(picked.text).toBe('Leave is 25 days [1], carried over [2] until March.')
    // None picked: no sources, no markers.
    expect(chosenCitations('Ask HR [1].', three, [])).toEqual({ text: 'Ask HR.', citations: [] })
  })
})
