import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Connector, Item, ItemRef } from '../../wiki-sync/connector'
import { syncSource } from '../../wiki-sync/engine'
import { sourceStatuses } from '../../wiki-sync/state'
import { renderSources } from '../../workers/cli/commands/sync'
import type { Db } from '../../workers/db/client'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'

/**
 * Freshness per source: how long after the source's own timestamp of a change it was answerable.
 * A first sync is a backfill (no lag); later runs measure edits, moves and dated deletions, not
 * pages the reconciliation adds (their change time is unknown), and `sources` shows the figure.
 */
describe('wiki sync freshness', () => {
  let database: Awaited<ReturnType<typeof openPglite>>
  let db: Db
  const embedder = createLocalEmbedder()
  const pages = new Map<string, Item>()
  const feed: ItemRef[] = []
  const live = new Set<string>()
  const connector: Connector = {
    kind: 'confluence',
    async *changes() {
      yield { items: feed.splice(0) }
    },
    fetch: async (ref) => pages.get(ref.id) ?? null,
    liveIds: async () => new Set(live),
  }
  const page = (id: string, text: string, updatedAt: string, url = `https://wiki.example/${id}`): Item => ({
    id,
    version: updatedAt,
    title: id,
    url,
    updatedAt: new Date(updatedAt),
    markdown: `# ${id}\n\n${text}`,
  })
  const put = (item: Item) => {
    pages.set(item.id, item)
    live.add(item.id)
    feed.push({ id: item.id, version: item.version, updatedAt: item.updatedAt })
  }
  let clock = new Date('2026-11-01T09:00:00Z')
  const run = () => syncSource({ name: 'hr-wiki', connector }, { db, embedder, now: () => clock })

  beforeAll(async () => {
    database = await openPglite()
    db = database.db
  })
  afterAll(() => database?.close())

  it('measures edits, moves and dated deletions after the last completed run, not a backfill', async () => {
    // A first sync of pages written long ago: a backfill, not a lag.
    put(page('leave', 'Twenty days of leave.', '2025-01-01T00:00:00Z'))
    put(page('travel', 'Book trains.', '2025-06-01T00:00:00Z'))
    put(page('bikes', 'Bike lease up to 3,000 euros.', '2025-06-01T00:00:00Z'))
    const first = await run()
    expect(first).toMatchObject({ status: 'ok', changed: 3, lag: { pages: 0, medianMs: null, maxMs: null } })

    // Edited 90 s, moved 30 s and deleted 10 s before the run; the runs' own clock decides.
    const runStartedAt = (await sourceStatuses(db))[0]?.lastRun?.startedAt as string
    clock = new Date(Date.parse(runStartedAt) + 600_000)
    const at = (secondsBefore: number) => new Date(clock.getTime() - secondsBefore * 1000).toISOString()
    put(page('leave', 'Twenty-five days of leave.', at(90)))
    put(page('travel', 'Book trains.', at(30), 'https://wiki.example/moved/travel'))
    pages.delete('bikes')
    live.delete('bikes')
    feed.push({ id: 'bikes', version: at(10), updatedAt: new Date(at(10)), deleted: true })
    // A page that was there all along but out of scope until now: added, but not dated.
    pages.set('sabbatical', page('sabbatical', 'Three months after seven years.', '2024-01-01T00:00:00Z'))
    live.add('sabbatical')
    const second = await run()
    expect(second).toMatchObject({ status: 'ok', changed: 2, deleted: 1 })
    expect(second.lag).toEqual({ pages: 3, medianMs: 30_000, maxMs: 90_000 })

    const [status] = await sourceStatuses(db, clock)
    expect(status?.freshness).toMatchObject({ pages: 3, medianSeconds: 30, maxSeconds: 90 })
    expect(renderSources(await sourceStatuses(db, clock))).toContain(
      'changes answerable 30 s after the edit (median of 3, max 90 s)',
    )

    // A run with nothing to do keeps the last measured figure on show.
    clock = new Date(clock.getTime() + 60_000)
    expect((await run()).lag.pages).toBe(0)
    expect((await sourceStatuses(db, clock))[0]?.freshness).toMatchObject({ pages: 3, medianSeconds: 30 })
  })
})
