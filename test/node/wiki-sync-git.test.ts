import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { and, eq, isNull } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Connector } from '../../wiki-sync/connector'
import { ConnectorError } from '../../wiki-sync/connector'
import { createGitConnector } from '../../wiki-sync/connectors/git'
import { type SyncSource, syncSource } from '../../wiki-sync/engine'
import { acquireSource, LEASE_MS } from '../../wiki-sync/state'
import { findApproved, storeApproved } from '../../workers/approved/store'
import type { Database } from '../../workers/db/client'
import { openPglite } from '../../workers/db/pglite'
import { documents, syncItems, syncSources } from '../../workers/db/schema'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { search } from '../../workers/knowledge/search/search'
import { answerCitations } from '../helpers/approved'

/**
 * The sync engine with the git connector on a real repository: first sync, nothing to do,
 * edits, moves, deletions, a bad page, a crash and its resumption, overlapping runs.
 */
describe('wiki sync from a git repository', () => {
  let database: Database
  const embedder = createLocalEmbedder()
  const repo = mkdtempSync(join(tmpdir(), 'policybot-handbook-'))
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' }).toString()
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(repo, path)), { recursive: true })
    writeFileSync(join(repo, path), text)
  }
  const commit = (message: string) => {
    git('add', '-A')
    git('commit', '-q', '-m', message)
  }
  const source = (connector?: Connector): SyncSource => ({
    name: 'handbook',
    connector:
      connector ??
      createGitConnector({
        repo,
        paths: ['policies/'],
        urlTemplate: 'https://git.example.com/handbook/blob/main/{path}',
        cacheDir: join(repo, '.cache'),
      }),
  })
  const sync = (connector?: Connector, maxBytes?: number) =>
    syncSource(source(connector), { db: database.db, embedder, ...(maxBytes ? { maxBytes } : {}) })
  const top = async (q: string) => (await search(database.db, embedder, q, { k: 1 })).passages[0]
  const live = () =>
    database.db
      .select({ path: documents.sourcePath, url: documents.url, id: documents.id })
      .from(documents)
      .where(and(eq(documents.sourceKind, 'git'), isNull(documents.deletedAt)))

  beforeAll(async () => {
    database = await openPglite()
    git('init', '-q', '-b', 'main')
    git('config', 'user.email', 'hr@example.com')
    git('config', 'user.name', 'HR Team')
    write(
      'policies/leave.md',
      '---\ntitle: Annual leave\naudience: employees\n---\n# Annual leave\n\nEvery employee gets 25 vacation days per year.\n',
    )
    write(
      'policies/expenses.md',
      '# Expenses\n\nTravel expenses are reimbursed within 30 days of the claim.\n',
    )
    write('policies/logo.png', 'not markdown')
    write('drafts/secret.md', '# Draft\n\nNot published yet: the bonus policy.\n')
    commit('first handbook')
  })
  afterAll(async () => {
    await database?.close()
    rmSync(repo, { recursive: true, force: true })
  })

  it('stores every Markdown page under the synced folder on the first run', async () => {
    const r = await sync()
    expect(r).toMatchObject({ status: 'ok', seen: 2, changed: 2, deleted: 0, failed: 0 })
    expect(r.embeddedChunks).toBeGreaterThan(0)
    expect((await live()).map((d) => [d.path, d.url]).sort()).toEqual([
      ['handbook/policies/expenses.md', 'https://git.example.com/handbook/blob/main/policies/expenses.md'],
      ['handbook/policies/leave.md', 'https://git.example.com/handbook/blob/main/policies/leave.md'],
    ])
    expect((await top('how many vacation days do I get'))?.title).toBe('Annual leave')
    const [s] = await database.db.select().from(syncSources).where(eq(syncSources.name, 'handbook'))
    expect(s?.cursor).toBe(git('rev-parse', 'HEAD').trim())
    expect(s?.lastSuccessAt).toBeInstanceOf(Date)
  })

  it('does nothing, and embeds nothing, when nothing changed', async () => {
    const r = await sync()
    expect(r).toMatchObject({ status: 'ok', seen: 0, changed: 0, deleted: 0, embeddedChunks: 0 })
  })

  it('re-embeds only the edited page, keeps a moved page without re-embedding it, and withdraws approvals of the edited one', async () => {
    const citations = answerCitations(
      await search(database.db, embedder, 'How many vacation days do I get?', { k: 1 }),
    )
    const now = new Date()
    await storeApproved(database.db, embedder, {
      escalationId: null,
      question: 'How many vacation days do I get?',
      answer: '25 days [1].',
      citations,
      approvedBy: 'U0ADMIN001',
      now,
    })
    const before = await live()
    write(
      'policies/leave.md',
      '---\ntitle: Annual leave\naudience: employees\n---\n# Annual leave\n\nEvery employee gets 30 vacation days per year.\n',
    )
    mkdirSync(join(repo, 'policies/money'), { recursive: true })
    renameSync(join(repo, 'policies/expenses.md'), join(repo, 'policies/money/expenses.md'))
    commit('30 days; expenses moved')
    const r = await sync()
    expect(r).toMatchObject({ status: 'ok', seen: 2, changed: 1, unchanged: 1, deleted: 0 })
    const after = await live()
    const moved = after.find((d) => d.path === 'handbook/policies/money/expenses.md')
    // The same row: identity, passages and history kept; only the link follows the move.
    expect(moved?.id).toBe(before.find((d) => d.path === 'handbook/policies/expenses.md')?.id)
    expect(moved?.url).toBe('https://git.example.com/handbook/blob/main/policies/money/expenses.md')
    expect((await top('how many vacation days do I get'))?.text).toContain('30 vacation days')
    expect(
      await findApproved(database.db, embedder, 'How many vacation days do I get?', { now }),
    ).toBeUndefined()
  })

  it('removes a deleted page from retrieval in the same run', async () => {
    git('rm', '-q', 'policies/leave.md')
    commit('leave policy withdrawn')
    const r = await sync()
    expect(r).toMatchObject({ status: 'ok', deleted: 1 })
    expect((await live()).map((d) => d.path)).toEqual(['handbook/policies/money/expenses.md'])
    expect((await top('how many vacation days do I get'))?.sourcePath).not.toBe('handbook/policies/leave.md')
    const [item] = await database.db.select().from(syncItems).where(eq(syncItems.itemId, 'policies/leave.md'))
    expect(item?.deletedAt).toBeInstanceOf(Date)
    // The deletion is dated by the commit that made it (the freshness figure measures from there).
    const feed = source().connector.changes(git('rev-parse', 'HEAD~1').trim())
    const refs = []
    for await (const page of feed) refs.push(...page.items)
    expect(refs).toEqual([
      expect.objectContaining({
        id: 'policies/leave.md',
        deleted: true,
        updatedAt: new Date(git('log', '-1', '--format=%cI').trim()),
      }),
    ])
  })

  it('reports and skips a bad page without failing the run, then retries it', async () => {
    write('policies/huge.md', `# Huge\n\n${'word '.repeat(5000)}\n`)
    write('policies/remote.md', '# Remote work\n\nRemote work is allowed two days a week.\n')
    commit('two new pages, one too big')
    const r = await sync(undefined, 10_000)
    expect(r).toMatchObject({ status: 'ok', changed: 1, failed: 1 })
    expect(r.failures).toEqual([
      {
        id: 'policies/huge.md',
        title: 'Huge',
        error: expect.stringMatching(/^policies\/huge\.md: .* over the 0\.01 MB limit/),
      },
    ])
    write('policies/huge.md', '# Huge\n\nNow small enough.\n')
    commit('smaller')
    const again = await sync(undefined, 10_000)
    expect(again).toMatchObject({ status: 'ok', changed: 1, failed: 0 })
    expect((await live()).map((d) => d.path).sort()).toContain('handbook/policies/huge.md')
  })

  it('resumes after a crash without duplicating anything', async () => {
    for (let i = 0; i < 6; i++)
      write(`policies/batch/p${i}.md`, `# Page ${i}\n\nRule number ${i} of the batch.\n`)
    commit('six pages')
    const real = source().connector
    // The run dies after three of the six new pages: the feed breaks off mid-way.
    const crashing: Connector = {
      ...real,
      kind: real.kind,
      async *changes(c, s) {
        let n = 0
        for await (const page of real.changes(c, s)) {
          for (const item of page.items) {
            if (n++ === 3) throw new Error('connection reset by peer')
            yield { items: [item] }
          }
        }
      },
      fetch: (r, s) => real.fetch(r, s),
      liveIds: (s) => real.liveIds(s),
    }
    const first = await sync(crashing)
    expect(first).toMatchObject({ status: 'failed', changed: 3, error: 'connection reset by peer' })
    const second = await sync()
    expect(second).toMatchObject({ status: 'ok', changed: 3, unchanged: 3, failed: 0 })
    const paths = (await live()).map((d) => d.path)
    expect(paths.filter((p) => p.startsWith('handbook/policies/batch/'))).toHaveLength(6)
    expect(new Set(paths).size).toBe(paths.length)
  })

  it('takes over the lease of a run that died without releasing it, once the lease ran out', async () => {
    const t0 = new Date()
    expect(await acquireSource(database.db, 'handbook', 'git', undefined, t0)).toMatchObject({
      acquired: true,
    })
    // The process holding it is gone; a run now is refused, a run after the lease is not.
    expect((await sync()).status).toBe('busy')
    const later = new Date(t0.getTime() + LEASE_MS + 1000)
    const r = await syncSource(source(), { db: database.db, embedder, now: () => later })
    expect(r.status).toBe('ok')
  })

  it('fails the run without pruning when the listing fails, and resumes from the old cursor', async () => {
    const real = source().connector
    const [{ cursor } = { cursor: null }] = await database.db
      .select({ cursor: syncSources.cursor })
      .from(syncSources)
      .where(eq(syncSources.name, 'handbook'))
    write('policies/new.md', '# New\n\nA new rule about parking.\n')
    commit('new page')
    const broken: Connector = {
      ...real,
      kind: real.kind,
      changes: (c, s) => real.changes(c, s),
      fetch: (r, s) => real.fetch(r, s),
      async liveIds() {
        throw new ConnectorError('AUTH', 'token revoked')
      },
    }
    const livedBefore = (await live()).length
    const r = await sync(broken)
    expect(r).toMatchObject({ status: 'failed', error: 'token revoked' })
    expect((await live()).length).toBe(livedBefore + 1)
    const [s] = await database.db.select().from(syncSources).where(eq(syncSources.name, 'handbook'))
    expect(s?.cursor).toBe(cursor)
    expect(s?.lastError).toBe('token revoked')
    const next = await sync()
    expect(next).toMatchObject({ status: 'ok', changed: 0, unchanged: 1 })
  })

  it('deletes a page missing from the listing only when fetching it confirms it is gone', async () => {
    const real = source().connector
    // A listing that silently misses a live page (Notion's search is not exhaustive).
    const forgetful: Connector = {
      ...real,
      kind: real.kind,
      changes: (c, s) => real.changes(c, s),
      fetch: (r, s) => real.fetch(r, s),
      async liveIds(s) {
        const ids = await real.liveIds(s)
        ids.delete('policies/remote.md')
        return ids
      },
    }
    const r = await sync(forgetful)
    expect(r).toMatchObject({ status: 'ok', deleted: 0 })
    expect((await live()).map((d) => d.path)).toContain('handbook/policies/remote.md')
  })

  it('syncs a repository given by clone URL through a bare clone it keeps fetching', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'policybot-clones-'))
    const remote = (): SyncSource => ({
      name: 'handbook-remote',
      connector: createGitConnector({ repo: `file://${repo}`, paths: ['policies/'], cacheDir }),
    })
    const first = await syncSource(remote(), { db: database.db, embedder })
    expect(first.status).toBe('ok')
    expect(first.changed).toBeGreaterThan(5)
    write('policies/remote.md', '# Remote work\n\nRemote work is allowed three days a week.\n')
    commit('three days')
    const second = await syncSource(remote(), { db: database.db, embedder })
    expect(second).toMatchObject({ status: 'ok', changed: 1, seen: 1 })
    rmSync(cacheDir, { recursive: true, force: true })
  })

  it('lets only one run hold a source at a time', async () => {
    const results = await Promise.all([sync(), sync()])
    expect(results.map((r) => r.status).sort()).toEqual(['busy', 'ok'])
  })
})

describe('a git page whose audience cannot be read', () => {
  it('fails the page (reported, not indexed) instead of publishing it to everyone; unreadable front matter without an audience is kept', async () => {
    await withScratchRepo('policybot-audience-', async ({ repo, git, database, embedder }) => {
      mkdirSync(join(repo, 'policies'))
      writeFileSync(
        join(repo, 'policies/salaries.md'),
        '---\ntitle: Salary bands\naudience: [managers\n---\n# Salary bands\n\nBand 7 pays 180000 a year.\n',
      )
      writeFileSync(
        join(repo, 'policies/objects.md'),
        '---\naudience: {managers: true}\n---\n# Bonus pool\n\nThe bonus pool is 4 percent.\n',
      )
      writeFileSync(
        join(repo, 'policies/panel.md'),
        '---\ntitle: "Panel\ninterviews"\n---\n# Panel interviews\n\nPanels have three interviewers.\n',
      )
      git('add', '-A')
      git('commit', '-q', '-m', 'pages')
      const r = await syncSource(
        {
          name: 'handbook',
          connector: createGitConnector({ repo, paths: ['policies/'], cacheDir: join(repo, '.cache') }),
        },
        { db: database.db, embedder },
      )
      expect(r).toMatchObject({ changed: 1, failed: 2 })
      expect(r.failures.map((f) => f.error).sort()).toEqual([
        expect.stringMatching(
          /^policies\/objects\.md: its front matter's audience is empty or not a list of names/,
        ),
        expect.stringMatching(
          /^policies\/salaries\.md: its front matter, which says who may read it, is not valid YAML/,
        ),
      ])
      const live = await database.db.select().from(documents).where(isNull(documents.deletedAt))
      expect(live.map((d) => d.sourcePath)).toEqual(['handbook/policies/panel.md'])
      const found = await search(database.db, embedder, 'What does band 7 pay?', { k: 3 })
      expect(JSON.stringify(found.passages)).not.toContain('180000')
    })
  })
})

describe('a git page moved by someone other than its last author', () => {
  it('stays the same document: no re-embedding, no new version, its approved answers kept', async () => {
    await withScratchRepo('policybot-move-', async ({ repo, git, database, embedder }) => {
      mkdirSync(join(repo, 'policies'))
      writeFileSync(
        join(repo, 'policies/leave.md'),
        '# Annual leave\n\nEvery employee gets 25 vacation days per year.\n',
      )
      git('add', '-A')
      git('commit', '-q', '-m', 'leave')
      const source = () => ({
        name: 'handbook',
        connector: createGitConnector({ repo, paths: ['policies/'], cacheDir: join(repo, '.cache') }),
      })
      expect(await syncSource(source(), { db: database.db, embedder })).toMatchObject({ changed: 1 })
      const [before] = await database.db.select().from(documents).where(isNull(documents.deletedAt))
      await storeApproved(database.db, embedder, {
        escalationId: null,
        question: 'How many vacation days do I get?',
        answer: '25 days [1].',
        citations: answerCitations(
          await search(database.db, embedder, 'How many vacation days do I get?', { k: 1 }),
        ),
        approvedBy: 'U0ADMIN001',
      })
      // IT tidies the folders: a pure rename, committed by someone else.
      mkdirSync(join(repo, 'policies/time-off'))
      renameSync(join(repo, 'policies/leave.md'), join(repo, 'policies/time-off/leave.md'))
      git('add', '-A')
      execFileSync(
        'git',
        [
          '-C',
          repo,
          '-c',
          'user.name=IT Ops',
          '-c',
          'user.email=it@example.com',
          'commit',
          '-q',
          '-m',
          'reorganise',
        ],
        { stdio: 'pipe' },
      )
      const r = await syncSource(source(), { db: database.db, embedder })
      expect(r).toMatchObject({ status: 'ok', changed: 0, deleted: 0, embeddedChunks: 0 })
      const [after] = await database.db.select().from(documents).where(isNull(documents.deletedAt))
      expect(after?.id).toBe(before?.id)
      expect(after?.sourcePath).toBe('handbook/policies/time-off/leave.md')
      expect(await findApproved(database.db, embedder, 'How many vacation days do I get?')).toBeDefined()
    })
  })
})

describe('a git source whose scope is widened', () => {
  it('adds the pages the new scope takes in on the next run, though none of them changed', async () => {
    await withScratchRepo('policybot-scope-', async ({ repo, git, database, embedder }) => {
      mkdirSync(join(repo, 'policies'))
      writeFileSync(
        join(repo, 'policies/leave.md'),
        '# Annual leave\n\nEvery employee gets 25 vacation days per year.\n',
      )
      writeFileSync(
        join(repo, 'benefits-and-perks.md'),
        '# Benefits\n\nThe gym subsidy is 40 euros a month.\n',
      )
      git('add', '-A')
      git('commit', '-q', '-m', 'handbook')
      const sync = (paths: string[]) =>
        syncSource(
          {
            name: 'handbook',
            connector: createGitConnector({ repo, paths, cacheDir: join(repo, '.cache') }),
          },
          { db: database.db, embedder },
        )
      expect(await sync(['policies/'])).toMatchObject({ status: 'ok', changed: 1 })
      const widened = await sync(['policies/', 'benefits-and-perks.md'])
      expect(widened).toMatchObject({ status: 'ok', changed: 1, deleted: 0 })
      const paths = (await database.db.select().from(documents).where(isNull(documents.deletedAt))).map(
        (d) => d.sourcePath,
      )
      expect(paths.sort()).toEqual(['handbook/benefits-and-perks.md', 'handbook/policies/leave.md'])
      expect(
        JSON.stringify((await search(database.db, embedder, 'gym subsidy', { k: 1 })).passages),
      ).toContain('40 euros')
      // Nothing new the next time.
      expect(await sync(['policies/', 'benefits-and-perks.md'])).toMatchObject({ changed: 0, deleted: 0 })
    })
  })
})

describe('a git source cloned partially (old blobs missing)', () => {
  it('syncs the current tree, though the history walk cannot read old blobs for rename detection', async () => {
    const work = mkdtempSync(join(tmpdir(), 'policybot-partial-'))
    const database = await openPglite()
    const embedder = createLocalEmbedder()
    try {
      const src = join(work, 'src')
      const git = (cwd: string, ...args: string[]) =>
        execFileSync('git', ['-C', cwd, ...args], { stdio: 'pipe' })
      mkdirSync(join(src, 'policies/old'), { recursive: true })
      git(src, 'init', '-q', '-b', 'main')
      git(src, 'config', 'user.email', 'hr@example.com')
      git(src, 'config', 'user.name', 'HR Team')
      writeFileSync(
        join(src, 'policies/old/leave.md'),
        '# Leave\n\nEvery employee gets 25 vacation days.\nAsk HR.\n',
      )
      git(src, 'add', '-A')
      git(src, 'commit', '-q', '-m', 'leave')
      mkdirSync(join(src, 'policies/time-off'))
      git(src, 'mv', 'policies/old/leave.md', 'policies/time-off/leave.md')
      writeFileSync(
        join(src, 'policies/time-off/leave.md'),
        '# Leave\n\nEvery employee gets 25 vacation days.\nAsk HR.\nCarry-over ends in March.\n',
      )
      git(src, 'add', '-A')
      git(src, 'commit', '-q', '-m', 'moved and edited')
      git(src, 'config', 'uploadpack.allowfilter', 'true')
      const clone = join(work, 'clone')
      execFileSync('git', ['clone', '-q', '--no-local', '--filter=blob:none', `file://${src}`, clone], {
        stdio: 'pipe',
      })
      // The promisor remote is gone: a missing blob can no longer be fetched.
      git(clone, 'remote', 'set-url', 'origin', join(work, 'gone'))
      const r = await syncSource(
        {
          name: 'handbook',
          connector: createGitConnector({
            repo: clone,
            paths: ['policies/'],
            cacheDir: join(work, '.cache'),
          }),
        },
        { db: database.db, embedder },
      )
      expect(r).toMatchObject({ status: 'ok', changed: 1, failed: 0 })
      const found = await search(database.db, embedder, 'When does carry-over end?', { k: 1 })
      expect(found.passages[0]?.sourcePath).toBe('handbook/policies/time-off/leave.md')
    } finally {
      await database.close()
      rmSync(work, { recursive: true, force: true })
    }
  })
})

describe("a page's own audience and its source's", () => {
  it('restricts a page that names its audience to it, and gives the source audience to the others', async () => {
    await withScratchRepo('policybot-narrow-', async ({ repo, git, database, embedder }) => {
      mkdirSync(join(repo, 'policies'))
      writeFileSync(
        join(repo, 'policies/leave.md'),
        '# Annual leave\n\nEvery employee gets 25 vacation days.\n',
      )
      writeFileSync(
        join(repo, 'policies/pay.md'),
        '---\naudience: [managers]\n---\n# Pay bands\n\nBand 7 pays 180000 a year.\n',
      )
      git('add', '-A')
      git('commit', '-q', '-m', 'handbook')
      await syncSource(
        {
          name: 'handbook',
          connector: createGitConnector({
            repo,
            paths: ['policies/'],
            audience: ['employees'],
            cacheDir: join(repo, '.cache'),
          }),
          audience: ['employees'],
        },
        { db: database.db, embedder },
      )
      const rows = await database.db.select().from(documents).where(isNull(documents.deletedAt))
      const audienceOf = (p: string) => rows.find((d) => d.sourcePath === `handbook/policies/${p}`)?.audience
      expect(audienceOf('leave.md')).toEqual(['employees'])
      // Not employees and managers: every employee could then read the pay bands.
      expect(audienceOf('pay.md')).toEqual(['managers'])
      const asEmployee = await search(database.db, embedder, 'What does band 7 pay?', {
        k: 3,
        audiences: ['employees'],
      })
      expect(JSON.stringify(asEmployee.passages)).not.toContain('180000')
    })
  })
})

/**
 * A fresh repository (git initialised, HR as its author) and an in-memory database for one test,
 * both removed after it.
 */
async function withScratchRepo(
  prefix: string,
  run: (s: {
    repo: string
    git: (...args: string[]) => string
    database: Database
    embedder: ReturnType<typeof createLocalEmbedder>
  }) => Promise<void>,
): Promise<void> {
  const repo = mkdtempSync(join(tmpdir(), prefix))
  const database = await openPglite()
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' }).toString()
  try {
    git('init', '-q', '-b', 'main')
    git('config', 'user.email', 'hr@example.com')
    git('config', 'user.name', 'HR Team')
    await run({ repo, git, database, embedder: createLocalEmbedder() })
  } finally {
    await database.close()
    rmSync(repo, { recursive: true, force: true })
  }
}
