import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { and, asc, eq, isNull } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { storeApproved } from '../../workers/approved/store'
import { openPglite } from '../../workers/db/pglite'
import { approvedAnswers, auditLog, documents, syncRuns } from '../../workers/db/schema'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { cli } from '../helpers/cli'

const BIN = fileURLToPath(new URL('../../bin/policybot.mjs', import.meta.url))

/**
 * `policybot sync` as a scheduler and an impatient operator use it: exit codes that say whether
 * every page synced, Ctrl-C that stops cleanly (the lease released, the run recorded, the next
 * run resuming), and a killed run whose lease does not block the next one for 15 minutes.
 */
describe('policybot sync: exit codes, Ctrl-C and killed runs', () => {
  let work: string
  const repo = () => join(work, 'handbook')
  const git = (...args: string[]) => execFileSync('git', ['-C', repo(), ...args], { stdio: 'pipe' })
  const PAGES = 150

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'policybot-sync-stop-'))
    mkdirSync(join(repo(), 'hr'), { recursive: true })
    git('init', '-q', '-b', 'main')
    git('config', 'user.email', 'hr@example.com')
    git('config', 'user.name', 'HR')
    for (let i = 0; i < PAGES; i++)
      writeFileSync(
        join(repo(), `hr/policy-${String(i).padStart(2, '0')}.md`),
        `# Policy ${i}\n\nRule ${i}: employees in team ${i} file requests with desk ${i}.\n\n${Array.from({ length: 12 }, (_, j) => `## Part ${j}\n\nPart ${j} of rule ${i} covers case ${i * 100 + j} in detail, with its own steps and forms.`).join('\n\n')}\n`,
      )
    git('add', '-A')
    git('commit', '-q', '-m', 'handbook')
    writeFileSync(
      join(work, 'sources.yaml'),
      'sources:\n  - name: handbook\n    kind: git\n    repo: ./handbook\n',
    )
  })
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  /** Starts `policybot sync` and sends `signal` once the first page has been stored. */
  function syncThen(signal: NodeJS.Signals) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'sync'], {
        cwd: work,
        env: { PATH: process.env.PATH ?? '' },
      })
      let stdout = ''
      let stderr = ''
      let sent = false
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
      })
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString()
        if (!sent && /handbook: created hr\/policy-/.test(stderr)) {
          sent = true
          child.kill(signal)
        }
      })
      child.on('close', (code) => resolve({ code, stdout, stderr }))
    })
  }
  const lastRun = async () => {
    const [s] = JSON.parse((await cli(['sources', '--json'], work)).stdout) as Array<{
      pages: number
      lastRun: { status: string }
    }>
    return s
  }

  it('stops after the page in hand on Ctrl-C, exits 130, and the next run resumes at once', async () => {
    const stopped = await syncThen('SIGINT')
    expect(stopped.code).toBe(130)
    expect(stopped.stderr).toContain('stopping after the page in hand')
    expect(stopped.stdout).toMatch(/^handbook: stopped after [\d.]+ s \(\d+ seen, \d+ changed/m)
    const after = await lastRun()
    expect(after?.lastRun.status).toBe('interrupted')
    expect(after?.pages).toBeGreaterThan(0)
    expect(after?.pages).toBeLessThan(PAGES)
    // No 15-minute wait, no "another sync is running": the lease was released.
    const again = await cli(['sync'], work)
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/handbook: synced in [\d.]+ s: \d+ seen, \d+ changed, 0 deleted, 0 failed/)
    expect((await lastRun())?.pages).toBe(PAGES)
    const stats = JSON.parse((await cli(['stats', '--json'], work)).stdout) as { documents: number }
    expect(stats.documents).toBe(PAGES)
  })

  it('takes over the lease of a killed run at once on the embedded database, recording that run as abandoned', async () => {
    writeFileSync(join(repo(), 'hr/policy-00.md'), '# Policy 0\n\nRule 0 changed: desk 99 now.\n')
    for (let i = PAGES; i < PAGES + 10; i++)
      writeFileSync(join(repo(), `hr/policy-${i}.md`), `# Policy ${i}\n\nRule ${i}: desk ${i}.\n`)
    git('add', '-A')
    git('commit', '-q', '-m', 'more')
    const killed = await syncThen('SIGKILL')
    expect(killed.code).toBe(null)
    const next = await cli(['sync'], work)
    expect(next.stderr).toContain('took over the lease of a run that did not finish')
    expect(next.code).toBe(0)
    expect((await lastRun())?.pages).toBe(PAGES + 10)
    // Every run is recorded as what it was; none stays "running".
    const database = await openPglite({ dataDir: join(work, '.policybot') })
    try {
      const runs = await database.db.select().from(syncRuns).orderBy(asc(syncRuns.id))
      expect(runs.map((r) => r.status)).toEqual(['interrupted', 'ok', 'abandoned', 'ok'])
    } finally {
      await database.close()
    }
  })

  it('exits 1 when a page failed, and stops retrying a failed page that was deleted since', async () => {
    writeFileSync(join(repo(), 'hr/huge.md'), `# Huge\n\n${'word '.repeat(3000)}\n`)
    git('add', '-A')
    git('commit', '-q', '-m', 'a page over the limit')
    const failed = await cli(['sync', '--max-file-mb', '0.01'], work)
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/1 failed/)
    expect(failed.stdout).toMatch(/failed hr\/huge\.md/)
    git('rm', '-q', 'hr/huge.md')
    git('commit', '-q', '-m', 'gone')
    const cleared = await cli(['sync', '--max-file-mb', '0.01'], work)
    expect(cleared.code).toBe(0)
    expect(cleared.stdout).toMatch(/0 failed/)
    const quiet = await cli(['sync', '--max-file-mb', '0.01'], work)
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).not.toContain('huge.md')
  })
})

describe('policybot sync: a scope that suddenly lists far fewer pages', () => {
  it('stops before deleting anything (exit 1, saying why), and deletes with --allow-mass-delete', async () => {
    const work = mkdtempSync(join(tmpdir(), 'policybot-sync-mass-'))
    try {
      const { repo, git } = handbookRepo(work)
      for (let i = 0; i < 10; i++)
        writeFileSync(join(repo, `policies/p${i}.md`), `# Policy ${i}\n\nRule ${i} applies to desk ${i}.\n`)
      git('add', '-A')
      git('commit', '-q', '-m', 'handbook')
      const sources = (paths: string) =>
        writeFileSync(
          join(work, 'sources.yaml'),
          `sources:\n  - name: handbook\n    kind: git\n    repo: ./handbook\n    paths: [${paths}]\n`,
        )
      sources('policies/')
      expect((await cli(['sync'], work)).code).toBe(0)
      // A typo in paths: the listing is now empty.
      sources('polices/')
      const guarded = await cli(['sync'], work)
      expect(guarded.code).toBe(1)
      expect(guarded.stdout).toMatch(
        /no longer lists 10 of its 10 indexed pages \(100%, over the 20% limit\); nothing was deleted/,
      )
      const stats = async () =>
        JSON.parse((await cli(['stats', '--json'], work)).stdout) as { documents: number }
      expect((await stats()).documents).toBe(10)
      // Pages really withdrawn leave as ever.
      sources('policies/')
      git('rm', '-q', 'policies/p0.md', 'policies/p1.md', 'policies/p2.md')
      git('commit', '-q', '-m', 'three withdrawn')
      // (Deleted in commits, they leave through the change feed, which the limit does not stop.)
      expect((await cli(['sync'], work)).code).toBe(0)
      expect((await stats()).documents).toBe(7)
      sources('polices/')
      const forced = await cli(['sync', '--allow-mass-delete'], work)
      expect(forced.code).toBe(0)
      expect(forced.stdout).toMatch(/0 seen, 0 changed, 7 deleted/)
      expect((await stats()).documents).toBe(0)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})

describe('policybot sources remove, and a source the sources file no longer lists', () => {
  it('reports a renamed source instead of syncing it silently, and retires it with its pages and answers, asking first', async () => {
    const work = mkdtempSync(join(tmpdir(), 'policybot-sync-retire-'))
    try {
      const { repo, git } = handbookRepo(work)
      for (const [f, t] of [
        ['leave', 'Every employee gets 25 vacation days per year.'],
        ['parking', 'Parking in the staff garage is free.'],
        ['travel', 'Book trains for trips under four hours.'],
      ])
        writeFileSync(join(repo, `policies/${f}.md`), `# ${f}\n\n${t}\n`)
      git('add', '-A')
      git('commit', '-q', '-m', 'handbook')
      const sources = (name: string) =>
        writeFileSync(
          join(work, 'sources.yaml'),
          `sources:\n  - name: ${name}\n    kind: git\n    repo: ./handbook\n`,
        )
      sources('handbook')
      expect((await cli(['sync'], work)).code).toBe(0)
      const dataDir = join(work, '.policybot')
      let database = await openPglite({ dataDir })
      try {
        const embedder = createLocalEmbedder()
        const [leave] = await database.db
          .select()
          .from(documents)
          .where(eq(documents.sourcePath, 'handbook/policies/leave.md'))
        await storeApproved(database.db, embedder, {
          escalationId: null,
          question: 'How many vacation days do I get?',
          answer: '25 days [1].',
          citations: [
            {
              n: 1,
              documentId: leave?.id as number,
              title: 'leave',
              sourcePath: 'handbook/policies/leave.md',
              headingPath: [],
              url: null,
              page: null,
              updated: '2026-01-01',
            },
          ],
          approvedBy: 'U0ADMIN001',
        })
      } finally {
        await database.close()
      }
      // Renamed in the file: the old name is reported and left alone, the new one synced.
      sources('hr-handbook')
      const renamed = await cli(['sync'], work)
      expect(renamed.code).toBe(0)
      expect(renamed.stdout).toContain(
        'handbook: registered earlier but not in the sources file: not synced. Retire it with "policybot sources remove handbook"',
      )
      expect(renamed.stdout).toMatch(/hr-handbook: synced .*3 changed/)
      // A synced page is not removed piecemeal (the next sync would bring it back): told where to.
      const piece = await cli(['remove', 'handbook/policies/parking.md'], work)
      expect(piece.code).toBe(1)
      expect(piece.stdout).toContain(
        'handbook/policies/parking.md comes from the wiki source "handbook" (git): delete or move it there',
      )
      expect(piece.stdout).toContain('Removed 0 of 1 documents.')
      expect(piece.stdout).not.toContain('Not in the index')
      // A script is asked for --yes, and told what would go.
      const asked = await cli(['sources', 'remove', 'handbook'], work)
      expect(asked.code).toBe(1)
      expect(asked.stdout).toContain(
        'Removing source "handbook": 3 pages leave the index and 1 approved answer citing them is withdrawn. Run again with --yes',
      )
      const removed = await cli(['sources', 'remove', 'handbook', '--yes'], work)
      expect(removed.code).toBe(0)
      expect(removed.stdout).toContain(
        'Removed source "handbook": 3 pages taken out of the index, 1 approved answer withdrawn.',
      )
      const list = JSON.parse((await cli(['sources', '--json'], work)).stdout) as { name: string }[]
      expect(list.map((s) => s.name)).toEqual(['hr-handbook'])
      expect((await cli(['sources', 'remove', 'handbook', '--yes'], work)).code).toBe(1)
      database = await openPglite({ dataDir })
      try {
        const live = await database.db.select().from(documents).where(isNull(documents.deletedAt))
        expect(live.map((d) => d.sourcePath).sort()).toEqual([
          'hr-handbook/policies/leave.md',
          'hr-handbook/policies/parking.md',
          'hr-handbook/policies/travel.md',
        ])
        const [withdrawn] = await database.db.select().from(approvedAnswers)
        expect(withdrawn?.withdrawnAt).not.toBeNull()
        const [row] = await database.db
          .select()
          .from(auditLog)
          .where(and(eq(auditLog.subject, 'source:handbook'), eq(auditLog.action, 'delete')))
        expect(row).toMatchObject({
          actor: 'cli',
          action: 'delete',
          detail: { pages: 3, withdrawnAnswers: 1 },
        })
      } finally {
        await database.close()
      }
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})

/** `<work>/handbook`: a new git repository with a `policies/` folder, HR as its author. */
function handbookRepo(work: string) {
  const repo = join(work, 'handbook')
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' })
  mkdirSync(join(repo, 'policies'), { recursive: true })
  git('init', '-q', '-b', 'main')
  git('config', 'user.email', 'hr@example.com')
  git('config', 'user.name', 'HR')
  return { repo, git }
}
