import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findApproved, storeApproved } from '../../workers/approved/store'
import type { Database } from '../../workers/db/client'
import { auditLog, questions } from '../../workers/db/schema'
import { decideEscalation, openEscalation } from '../../workers/escalation/escalations'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { ingestBytes } from '../../workers/knowledge/ingest'
import { search } from '../../workers/knowledge/search/search'
import { deleteDocument } from '../../workers/knowledge/store'
import { answerCitations } from '../helpers/approved'
import { smallHandbookFiles } from '../helpers/corpus'
import { openIndexedDb } from '../helpers/db'

let database: Database
const embedder = createLocalEmbedder()
const enc = (s: string) => new TextEncoder().encode(s)

beforeAll(async () => {
  ;({ database } = await openIndexedDb(smallHandbookFiles()))
})
afterAll(() => database.close())

describe('approved answers', () => {
  it('are found for the same question, expire, and are withdrawn when a cited document changes or goes', async () => {
    const db = database.db
    await ingestBytes(db, embedder, {
      sourceKind: 'upload',
      sourcePath: 'pets.md',
      name: 'pets.md',
      bytes: enc('# Pets\n\nDogs are welcome in the Berlin office on Fridays.'),
      maxBytes: 1e6,
    })
    const cite = async (q: string) => answerCitations(await search(db, embedder, q, { k: 1 }))
    const question = 'Can I bring my dog to the Berlin office?'
    const citations = await cite(question)
    expect(citations[0]?.sourcePath).toBe('pets.md')
    const now = new Date('2026-11-26T12:00:00Z')
    await storeApproved(db, embedder, {
      escalationId: null,
      question,
      answer: 'Yes, on Fridays [1].',
      citations,
      approvedBy: 'U0ADMIN001',
      ttlDays: 90,
      now,
    })
    expect(
      (await findApproved(db, embedder, 'can i bring my dog to the berlin office', { now }))?.approvedBy,
    ).toBe('U0ADMIN001')
    expect(
      await findApproved(db, embedder, 'Can I bring my cat to the Berlin office?', { now }),
    ).toBeUndefined()
    // Expired after the TTL.
    expect(
      await findApproved(db, embedder, question, { now: new Date('2027-03-01T00:00:00Z') }),
    ).toBeUndefined()

    // A new version of the cited document withdraws it…
    await ingestBytes(db, embedder, {
      sourceKind: 'upload',
      sourcePath: 'pets.md',
      name: 'pets.md',
      bytes: enc('# Pets\n\nNo animals in the office, except assistance animals.'),
      maxBytes: 1e6,
    })
    expect(await findApproved(db, embedder, question, { now })).toBeUndefined()

    // …and so does deleting it.
    const again = await cite('Are animals allowed in the office?')
    await storeApproved(db, embedder, {
      escalationId: null,
      question,
      answer: 'No [1].',
      citations: again,
      approvedBy: 'U2',
      now,
    })
    expect((await findApproved(db, embedder, question, { now }))?.answer).toBe('No [1].')
    await deleteDocument(db, 'upload', 'pets.md')
    expect(await findApproved(db, embedder, question, { now })).toBeUndefined()
  })

  it('let exactly one of two concurrent decisions win', async () => {
    const db = database.db
    const [q] = await db
      .insert(questions)
      .values({
        platform: 'slack',
        channel: 'C1',
        threadTs: '1.1',
        messageTs: '1.1',
        asker: 'U1',
        text: 'q?',
        trigger: 'mention',
      })
      .returning()
    const { row } = await openEscalation(db, {
      questionId: q?.id as number,
      reason: 'abstain',
      draft: 'd',
      citations: [],
      confidence: 0.1,
      actor: 'system',
    })
    const results = await Promise.all([
      decideEscalation(db, row.id, { status: 'approved', by: 'UA' }, 'slack:UA'),
      decideEscalation(db, row.id, { status: 'rejected', by: 'UB', reason: null }, 'slack:UB'),
    ])
    expect(results.filter((r) => r.won)).toHaveLength(1)
    const loser = results.find((r) => !r.won)
    expect(loser?.row?.decidedBy).toBe(results.find((r) => r.won)?.row?.decidedBy)
    // Only the winner's decision is in the audit log (after the escalation's opening).
    const logged = await db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subject, `escalation:${row.id}`))
    expect(logged.map((r) => `${r.action} ${r.actor}`)).toEqual([
      'escalate system',
      `decide slack:${loser?.row?.decidedBy}`,
    ])
  })
})
