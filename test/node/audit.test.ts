import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asc, eq, type SQL, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Connector, Item } from '../../wiki-sync/connector'
import { syncSource } from '../../wiki-sync/engine'
import { listAudit } from '../../workers/audit/list'
import { main } from '../../workers/cli/main'
import { recordQuestion } from '../../workers/conversations/questions'
import { type Db, describeDbError } from '../../workers/db/client'
import { migrateNeon } from '../../workers/db/migrate-neon'
import { openNeon } from '../../workers/db/neon'
import { openPglite } from '../../workers/db/pglite'
import { approvedAnswers, auditLog } from '../../workers/db/schema'
import { decideEscalation, openEscalation } from '../../workers/escalation/escalations'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { ingestBytes } from '../../workers/knowledge/ingest'
import { deleteDocument } from '../../workers/knowledge/store'
import { startPgliteEndpoint } from '../helpers/db'

/**
 * The audit log (workers/audit/): the database keeps it append-only whatever the client, and every
 * change of the index, every decision and every question leaves its row, written with the change.
 */
const embedder = createLocalEmbedder()
const enc = (s: string) => new TextEncoder().encode(s)
const rowsOf = (db: Db, subject: string) =>
  db.select().from(auditLog).where(eq(auditLog.subject, subject)).orderBy(asc(auditLog.id))

async function refusal(db: Db, query: SQL): Promise<string> {
  try {
    await db.execute(query)
  } catch (e) {
    return describeDbError(e)
  }
  return 'allowed'
}

async function expectAppendOnly(db: Db) {
  await db.insert(auditLog).values({ actor: 'cli', action: 'upload', subject: 'document:file:x.md' })
  expect(await refusal(db, sql`UPDATE audit_log SET actor = 'someone-else'`)).toMatch(
    /append-only: UPDATE is not allowed/,
  )
  expect(await refusal(db, sql`DELETE FROM audit_log`)).toMatch(/append-only: DELETE is not allowed/)
  expect(await refusal(db, sql`TRUNCATE audit_log`)).toMatch(/append-only: TRUNCATE is not allowed/)
  const [row] = await rowsOf(db, 'document:file:x.md')
  expect(row).toMatchObject({ actor: 'cli', action: 'upload' })
}

describe('the audit log is append-only in the database', () => {
  it('refuses UPDATE, DELETE and TRUNCATE on the embedded database (PGlite)', async () => {
    const database = await openPglite()
    try {
      await expectAppendOnly(database.db)
    } finally {
      await database.close()
    }
  })

  it('refuses them through the production driver too (Neon, migrated by its migrator)', async () => {
    const local = await startPgliteEndpoint()
    const neon = openNeon({
      connectionString: local.endpoint.connectionString,
      wsProxy: local.endpoint.wsProxy,
    })
    try {
      await migrateNeon(neon.db)
      await expectAppendOnly(neon.db)
    } finally {
      await neon.close()
      await local.close()
    }
  })
})

describe('what writes the audit log', () => {
  let database: Awaited<ReturnType<typeof openPglite>>
  let db: Db
  beforeAll(async () => {
    database = await openPglite()
    db = database.db
  })
  afterAll(() => database.close())

  const upload = (path: string, text: string, actor: string) =>
    ingestBytes(db, embedder, {
      sourceKind: 'upload',
      sourcePath: path,
      name: path,
      bytes: enc(text),
      maxBytes: 1e6,
      audit: { actor },
    })

  it('logs an upload, a replacement (old and new hash), the approvals it withdraws, and a deletion', async () => {
    const first = await upload('pets.md', '# Pets\n\nDogs are welcome on Fridays.', 'slack:U0HR000001')
    const [approved] = await db
      .insert(approvedAnswers)
      .values({
        question: 'Can I bring my dog?',
        answer: 'Yes, on Fridays [1].',
        documentIds: [first.documentId],
        approvedBy: 'U0ADMIN001',
        expiresAt: new Date(Date.now() + 86_400_000),
      })
      .returning()
    // The same bytes again change nothing, and log nothing.
    await upload('pets.md', '# Pets\n\nDogs are welcome on Fridays.', 'slack:U0HR000001')
    const second = await upload('pets.md', '# Pets\n\nNo animals, except assistance animals.', 'teams:hr-aad')
    await deleteDocument(db, 'upload', 'pets.md', { actor: 'dingtalk:staff1' })

    const rows = await rowsOf(db, 'document:upload:pets.md')
    expect(rows.map((r) => [r.actor, r.action])).toEqual([
      ['slack:U0HR000001', 'upload'],
      ['teams:hr-aad', 'replace'],
      ['dingtalk:staff1', 'delete'],
    ])
    const [created, replaced, deleted] = rows
    expect(created).toMatchObject({
      before: null,
      detail: { documentId: first.documentId, version: 1, title: 'Pets' },
    })
    expect(replaced?.before).toBe(created?.after)
    expect(replaced?.after).toMatch(/^[0-9a-f]{64}$/)
    expect(replaced?.after).not.toBe(replaced?.before)
    expect(replaced?.detail).toMatchObject({
      documentId: second.documentId,
      version: 2,
      previousId: first.documentId,
    })
    expect(deleted).toMatchObject({ before: replaced?.after, after: null, detail: { version: 2 } })
    // The approved answer citing version 1 was withdrawn by the replacement, under its author.
    expect(await rowsOf(db, `approved:${approved?.id}`)).toMatchObject([
      {
        actor: 'teams:hr-aad',
        action: 'withdraw',
        before: 'Yes, on Fridays [1].',
        after: null,
        detail: { reason: 'cited document replaced', documentId: first.documentId },
      },
    ])
  })

  it('logs a decision with the draft before and the answer after, and a question as who asked where', async () => {
    const id = await recordQuestion(db, 'slack:T1:C1:1.1', {
      place: { platform: 'slack', team: 'T1', channel: 'C1', threadTs: '1.1' },
      messageTs: '1.1',
      asker: 'U0ASKER001',
      text: 'Can I keep bees on the roof?',
      trigger: 'mention',
    })
    const [asked] = await rowsOf(db, `question:${id}`)
    // The words stay on the ledger (where retention erases them), not in the append-only log.
    expect(asked).toMatchObject({
      actor: 'slack:U0ASKER001',
      action: 'ask',
      before: null,
      after: null,
      detail: { channel: 'C1', trigger: 'mention' },
    })
    const escalate = async (draft: string) =>
      (
        await openEscalation(db, {
          questionId: id as number,
          reason: 'low_confidence',
          draft,
          citations: [],
          confidence: 0.2,
          actor: 'system',
        })
      ).row.id
    const edited = await escalate('Maybe.')
    await decideEscalation(
      db,
      edited,
      { status: 'edited', by: 'Ana (a-aad)', answer: 'No bees.' },
      'teams:a-aad',
    )
    expect(await rowsOf(db, `escalation:${edited}`)).toMatchObject([
      // Opened by the bot, with its draft; then decided.
      {
        actor: 'system',
        action: 'escalate',
        before: null,
        after: 'Maybe.',
        detail: { reason: 'low_confidence', questionId: id },
      },
      {
        actor: 'teams:a-aad',
        action: 'decide',
        before: 'Maybe.',
        after: 'No bees.',
        detail: { decision: 'edit', by: 'Ana (a-aad)', questionId: id },
      },
    ])
    const rejected = await escalate('Perhaps.')
    await decideEscalation(db, rejected, { status: 'rejected', by: 'me', reason: 'not policy' }, 'web:me')
    // A second decision on a decided escalation changes nothing and logs nothing.
    await decideEscalation(db, rejected, { status: 'approved', by: 'U1' }, 'slack:U1')
    expect(await rowsOf(db, `escalation:${rejected}`)).toMatchObject([
      { action: 'escalate' },
      {
        actor: 'web:me',
        before: 'Perhaps.',
        after: null,
        detail: { decision: 'reject', reason: 'not policy' },
      },
    ])
  })

  it('logs a wiki sync run that changed or deleted pages as one row listing them, and an idle run not at all', async () => {
    const pages = new Map<string, Item>()
    const page = (id: string, text: string, version: string): Item => ({
      id,
      version,
      title: id.toUpperCase(),
      updatedAt: new Date('2026-11-01T00:00:00Z'),
      markdown: `# ${id}\n\n${text}`,
    })
    const connector: Connector = {
      kind: 'confluence',
      async *changes() {
        yield {
          items: [...pages.values()].map((p) => ({ id: p.id, version: p.version, updatedAt: p.updatedAt })),
        }
      },
      fetch: async (ref) => pages.get(ref.id) ?? null,
      liveIds: async () => new Set(pages.keys()),
    }
    const run = () => syncSource({ name: 'hr-wiki', connector }, { db, embedder, actor: 'cli' })
    pages.set('leave', page('leave', 'Twenty days of leave.', '1'))
    pages.set('travel', page('travel', 'Book trains.', '1'))
    await run()
    await run()
    pages.set('leave', page('leave', 'Twenty-five days of leave.', '2'))
    pages.delete('travel')
    await run()
    const rows = await rowsOf(db, 'source:hr-wiki')
    expect(rows).toHaveLength(2)
    expect(rows.map((r) => [r.actor, r.action])).toEqual([
      ['cli', 'sync'],
      ['cli', 'sync'],
    ])
    expect(rows[0]?.detail).toMatchObject({
      kind: 'confluence',
      status: 'ok',
      changed: [
        { id: 'leave', title: 'LEAVE', status: 'created', version: 1 },
        { id: 'travel', title: 'TRAVEL', status: 'created', version: 1 },
      ],
      deleted: [],
    })
    expect(rows[1]?.detail).toMatchObject({
      changed: [{ id: 'leave', status: 'replaced', version: 2 }],
      deleted: [{ id: 'travel', title: 'TRAVEL' }],
    })
    // The pages themselves get no row each: the run's row is their record.
    expect(await rowsOf(db, 'document:confluence:hr-wiki/leave')).toEqual([])
    // The Worker's cron passes no actor: its runs are the system's.
    await syncSource({ name: 'ops-wiki', connector }, { db, embedder })
    expect((await rowsOf(db, 'source:ops-wiki')).map((r) => r.actor)).toEqual(['system'])
  })

  it('lists newest first, filtered by time, actor (or a whole platform) and action', async () => {
    const all = await listAudit(db, { limit: 1000 })
    expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort((a, b) => b - a))
    expect((await listAudit(db, { actor: 'teams' })).map((r) => r.actor)).toEqual([
      'teams:a-aad',
      'teams:hr-aad',
      'teams:hr-aad',
    ])
    expect((await listAudit(db, { action: 'withdraw' })).map((r) => r.action)).toEqual(['withdraw'])
    expect(await listAudit(db, { since: new Date(Date.now() + 60_000) })).toEqual([])
    expect(await listAudit(db, { limit: 2 })).toHaveLength(2)
    // `actor` is not a pattern: `_` and `%` are themselves.
    expect(await listAudit(db, { actor: 'slack_%' })).toEqual([])
  })
})

describe('policybot audit', () => {
  const work = mkdtempSync(join(tmpdir(), 'policybot-audit-'))
  const run = async (...argv: string[]) => {
    const out: string[] = []
    const err: string[] = []
    const code = await main(
      [...argv, '--data', join(work, 'data')],
      {},
      {
        result: (t) => out.push(t),
        progress: (t) => err.push(t),
      },
    )
    return { code, stdout: out.join('\n'), stderr: err.join('\n') }
  }
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it('prints what the CLI ingested, replaced and removed, newest first, as text and JSON', async () => {
    const file = join(work, 'leave.md')
    writeFileSync(file, '# Leave\n\nTwenty days.')
    expect((await run('ingest', file)).code).toBe(0)
    writeFileSync(file, '# Leave\n\nTwenty-five days.')
    expect((await run('ingest', file)).code).toBe(0)
    expect((await run('remove', 'leave.md')).code).toBe(0)

    const text = await run('audit')
    expect(text.code).toBe(0)
    const lines = text.stdout.split('\n').filter((l) => !l.startsWith('    '))
    expect(lines.map((l) => l.split('  ').slice(2, 5))).toEqual([
      ['cli', 'delete', 'document:file:leave.md'],
      ['cli', 'replace', 'document:file:leave.md'],
      ['cli', 'upload', 'document:file:leave.md'],
    ])
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}#\d+ {2}cli {2}delete/)
    expect(text.stdout).toMatch(/ {4}before: "[0-9a-f]{64}"\n {4}after: {2}"[0-9a-f]{64}"/)

    const json = JSON.parse((await run('audit', '--json', '--action', 'replace')).stdout) as Array<
      Record<string, unknown>
    >
    expect(json).toEqual([
      expect.objectContaining({
        actor: 'cli',
        action: 'replace',
        subject: 'document:file:leave.md',
        at: expect.stringMatching(/Z$/),
        detail: expect.objectContaining({ version: 2, title: 'Leave' }),
      }),
    ])
    expect(JSON.parse((await run('audit', '--json', '--limit', '1')).stdout)).toHaveLength(1)
    expect((await run('audit', '--since', '2999-01-01')).stdout).toBe('No audit entries match.')
    expect((await run('audit', '--actor', 'slack')).stdout).toBe('No audit entries match.')
  })

  it('explains a bad filter and exits 2', async () => {
    const bad = await run('audit', '--action', 'erase')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--action must be one of ask, escalate, decide, withdraw')
    expect((await run('audit', '--since', 'yesterday')).stderr).toContain('--since must be a date')
    expect((await run('audit', '--limit', '0')).code).toBe(2)
  })
})
