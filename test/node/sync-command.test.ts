import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cli } from '../helpers/cli'

/** `policybot sync` and `policybot sources` as an operator runs them, on a git handbook. */
describe('policybot sync and sources', () => {
  let work: string
  const repo = () => join(work, 'handbook')
  const git = (...args: string[]) => execFileSync('git', ['-C', repo(), ...args], { stdio: 'pipe' })

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'policybot-sync-'))
    mkdirSync(join(repo(), 'hr'), { recursive: true })
    git('init', '-q', '-b', 'main')
    git('config', 'user.email', 'hr@example.com')
    git('config', 'user.name', 'HR')
    writeFileSync(join(repo(), 'hr/leave.md'), '# Leave\n\nEmployees get 25 vacation days a year.\n')
    writeFileSync(join(repo(), 'hr/parking.md'), '# Parking\n\nParking is free in the staff garage.\n')
    git('add', '-A')
    git('commit', '-q', '-m', 'handbook')
    writeFileSync(
      join(work, 'sources.yaml'),
      'sources:\n  - name: handbook\n    kind: git\n    repo: ./handbook\n    urlTemplate: https://git.example.com/hb/{path}\n',
    )
  })
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it('syncs, answers from the synced pages, and reports freshness', async () => {
    const first = await cli(['sync'], work)
    expect(first.stderr).not.toMatch(/Unexpected/)
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(
      /^handbook: synced in [\d.]+ s: 2 seen, 2 changed, 0 deleted, 0 failed, \d+ passages embedded\.$/m,
    )
    const ask = await cli(['ask', 'how many vacation days do I get?'], work)
    expect(ask.stdout).toContain('25 vacation days')
    expect(ask.stdout).toContain('https://git.example.com/hb/hr/leave.md')

    git('rm', '-q', 'hr/leave.md')
    git('commit', '-q', '-m', 'leave withdrawn')
    // Registered in the database by the first sync: found without the file this time.
    rmSync(join(work, 'sources.yaml'))
    const second = await cli(['sync', '--source', 'handbook'], work)
    expect(second.stdout).toMatch(
      /handbook: synced .*: 1 seen, 0 changed, 1 deleted, 0 failed, 0 passages embedded/,
    )
    const after = await cli(['ask', 'how many vacation days do I get?', '--json'], work)
    expect(after.stdout).not.toContain('hr/leave.md')

    const sources = await cli(['sources', '--json'], work)
    const [s] = JSON.parse(sources.stdout) as Array<Record<string, unknown>>
    expect(s).toMatchObject({
      name: 'handbook',
      kind: 'git',
      pages: 1,
      lastError: null,
      lastRun: { status: 'ok', seen: 1, changed: 0, deleted: 1, failed: 0 },
    })
    expect(s?.lagSeconds).toBeGreaterThanOrEqual(0)
    // The deletion, dated by its commit, is the last run's measured change.
    expect(s?.freshness).toMatchObject({ pages: 1 })
    expect((await cli(['sources'], work)).stdout).toMatch(
      /^handbook \(git\): 1 pages; last success \d+ s ago; changes answerable \d+ s after the edit \(median of 1, max \d+ s\); last run ok/m,
    )
  })

  it('names the bad field of a sources file and exits 2', async () => {
    writeFileSync(
      join(work, 'bad.yaml'),
      'sources:\n  - name: wiki\n    kind: confluence\n    baseUrl: not-a-url\n',
    )
    const r = await cli(['sync', '--sources', 'bad.yaml'], work)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('sources[0].baseUrl')
    expect(r.stderr).toContain('sources[0].spaceKeys')
  })

  it('says which secret a remote source needs', async () => {
    writeFileSync(
      join(work, 'notion.yaml'),
      'sources:\n  - name: notion-wiki\n    kind: notion\n    tokenEnv: NOTION_TOKEN\n',
    )
    const r = await cli(['sync', '--sources', 'notion.yaml', '--source', 'notion-wiki'], work)
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('notion-wiki: not synced: source "notion-wiki": set NOTION_TOKEN')
  })
})
