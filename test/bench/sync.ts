/**
 * `npm run bench:sync`: freshness as a measured property. A git handbook of BENCH_PAGES (5,000)
 * Markdown pages is synced once; then 1 % of the pages change and the sync is timed with the
 * embeddings it computed (only the changed pages' passages may be embedded); then a page is
 * deleted and we time how long until it no longer answers; a page moved by someone else is timed
 * (nothing may be embedded), and a widened scope until its new page answers. Everything real: git, the embedded
 * Postgres (PGlite, in memory), the local embedder, the same engine the Worker's cron runs.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGitConnector } from '../../wiki-sync/connectors/git'
import { syncSource } from '../../wiki-sync/engine'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import type { Embedder } from '../../workers/knowledge/embed/types'
import { search } from '../../workers/knowledge/search/search'

const PAGES = Number(process.env.BENCH_PAGES ?? 5000)
const CHANGED = Math.max(1, Math.round(PAGES / 100))
const out = (s: string) => process.stdout.write(`${s}\n`)
/** The engine's own freshness figure for a run, as `policybot sources` and `/metrics` show it. */
const lagOf = (r: { lag: { pages: number; medianMs: number | null; maxMs: number | null } }) =>
  r.lag.pages === 0
    ? 'no dated change'
    : `commit to answerable: median ${((r.lag.medianMs ?? 0) / 1000).toFixed(1)} s, max ${((r.lag.maxMs ?? 0) / 1000).toFixed(1)} s over ${r.lag.pages} page${r.lag.pages === 1 ? '' : 's'}`

const TOPICS = ['leave', 'expenses', 'travel', 'security', 'remote work', 'equipment', 'training', 'benefits']
const CITIES = ['Berlin', 'Lisbon', 'Austin', 'Osaka', 'Nairobi', 'Toronto', 'Dublin', 'Pune', 'Oslo', 'Lima']

/** A page with its own facts, so a question about it has one right answer. */
function page(i: number, edit = 0): string {
  const topic = TOPICS[i % TOPICS.length] as string
  const city = CITIES[Math.floor(i / TOPICS.length) % CITIES.length] as string
  return [
    `# ${topic[0]?.toUpperCase()}${topic.slice(1)} policy ${i} (${city} office)`,
    '',
    `Policy ${i} covers ${topic} for the ${city} office. Reference code P${i}X${edit}.`,
    '',
    `## Rules`,
    '',
    `Employees in ${city} follow rule ${i}: requests go to the ${city} people team within ${(i % 28) + 2} days.`,
    `Exceptions need written approval from the regional director${edit ? `, revised in edition ${edit}` : ''}.`,
    '',
    `## Contacts`,
    '',
    `Questions about policy ${i} go to ${topic.replace(' ', '-')}-${i}@example.com.`,
    '',
  ].join('\n')
}

async function main() {
  const repo = mkdtempSync(join(tmpdir(), 'policybot-bench-sync-'))
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe', maxBuffer: 1 << 28 })
  try {
    git('init', '-q', '-b', 'main')
    git('config', 'user.email', 'bench@example.com')
    git('config', 'user.name', 'Bench')
    for (let i = 0; i < PAGES; i++) {
      const dir = join(repo, 'policies', String(Math.floor(i / 500)))
      if (i % 500 === 0) mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, `p${i}.md`), page(i))
    }
    // Outside the synced scope until it is widened.
    mkdirSync(join(repo, 'benefits'), { recursive: true })
    writeFileSync(
      join(repo, 'benefits', 'gym.md'),
      '# Gym subsidy\n\nThe gym subsidy pays 37 euros a month towards a gym membership.\n',
    )
    git('add', '-A')
    git('commit', '-q', '-m', 'handbook')
    const path = (i: number) => join(repo, 'policies', String(Math.floor(i / 500)), `p${i}.md`)

    const database = await openPglite()
    const base = createLocalEmbedder()
    let embedded = 0
    const embedder: Embedder = {
      key: base.key,
      dimensions: base.dimensions,
      embed: (texts, purpose, options) => {
        if (purpose === 'passage') embedded += texts.length
        return base.embed(texts, purpose, options)
      },
    }
    let paths = ['policies/']
    const run = async () => {
      embedded = 0
      const r = await syncSource(
        { name: 'handbook', connector: createGitConnector({ repo, paths, cacheDir: join(repo, '.cache') }) },
        { db: database.db, embedder },
      )
      if (r.status !== 'ok') throw new Error(`sync ${r.status}: ${r.error}`)
      return { ...r, embeddedCalls: embedded }
    }

    out(`${PAGES} pages in a git repository; local embedder; PGlite in memory`)
    const first = await run()
    await database.maintain()
    out(
      `first sync:      ${(first.ms / 1000).toFixed(1)} s, ${first.changed} pages stored, ${first.embeddedCalls} passages embedded`,
    )

    const idle = await run()
    out(`nothing changed: ${(idle.ms / 1000).toFixed(2)} s, ${idle.embeddedCalls} passages embedded`)

    const changed: number[] = []
    for (let k = 0; k < CHANGED; k++) changed.push(Math.floor((k * PAGES) / CHANGED) + 3)
    for (const i of changed) writeFileSync(path(i), page(i, 2))
    git('add', '-A')
    git('commit', '-q', '-m', 'one percent revised')
    const inc = await run()
    const perPage = first.embeddedCalls / first.changed
    out(
      `${CHANGED} changed (1%): ${(inc.ms / 1000).toFixed(2)} s, ${inc.changed} pages re-stored, ${inc.embeddedCalls} passages embedded ` +
        `(${(inc.embeddedCalls / perPage).toFixed(0)} pages' worth; a full re-sync would embed ${first.embeddedCalls}); ` +
        `${((inc.ms / first.ms) * 100).toFixed(1)}% of the first sync's time; ${lagOf(inc)}`,
    )
    if (inc.changed !== CHANGED) throw new Error(`expected ${CHANGED} changed pages, got ${inc.changed}`)

    // Deletion → gone from answers.
    const victim = 4242 % PAGES
    const question = `Which people team handles rule ${victim} and reference code P${victim}X0?`
    const hit = async () =>
      (await search(database.db, embedder, question, { k: 3 })).passages.some((p) =>
        p.sourcePath.endsWith(`/p${victim}.md`),
      )
    if (!(await hit())) throw new Error('the page to delete does not answer its question before deletion')
    const t0 = performance.now()
    git('rm', '-q', path(victim))
    git('commit', '-q', '-m', 'page withdrawn')
    const del = await run()
    const gone = !(await hit())
    const ms = performance.now() - t0
    out(
      `deletion:        ${del.deleted} page deleted; gone from answers ${gone ? 'yes' : 'NO'} ${ms.toFixed(0)} ms after the commit ` +
        `(sync ${(del.ms / 1000).toFixed(2)} s; ${lagOf(del)}; scheduled, add the cron interval: */30 in wrangler.toml)`,
    )

    // A move by someone other than the page's author: the same document, nothing embedded.
    const moved = 7 % PAGES
    const movedTo = join(repo, 'policies', 'archive', `p${moved}.md`)
    mkdirSync(join(repo, 'policies', 'archive'), { recursive: true })
    git('mv', path(moved), movedTo)
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
        'archive',
      ],
      {
        stdio: 'pipe',
      },
    )
    const mv = await run()
    out(
      `move by another author: ${(mv.ms / 1000).toFixed(2)} s, ${mv.changed} pages re-stored, ${mv.embeddedCalls} passages embedded; ${lagOf(mv)}`,
    )
    if (mv.changed !== 0 || mv.embeddedCalls !== 0) throw new Error('a pure move was re-embedded')

    // A widened scope: the new folder's page answers after one run, though no commit touched it.
    const gym = async () =>
      (await search(database.db, embedder, 'How much is the gym subsidy a month?', { k: 3 })).passages.some(
        (p) => p.sourcePath.endsWith('benefits/gym.md'),
      )
    if (await gym()) throw new Error('the out-of-scope page answers before the scope is widened')
    paths = ['policies/', 'benefits/']
    const t1 = performance.now()
    const widened = await run()
    const answers = await gym()
    out(
      `scope widened:   ${widened.changed} page added; answers ${answers ? 'yes' : 'NO'} ${(performance.now() - t1).toFixed(0)} ms after the change ` +
        `(sync ${(widened.ms / 1000).toFixed(2)} s, ${widened.embeddedCalls} passages embedded; the engine dates no change here: the scope's change is ours, not the source's)`,
    )
    await database.close()
  } finally {
    rmSync(repo, { recursive: true, force: true })
  }
}

await main()
