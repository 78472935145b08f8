import { and, eq, isNull } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { documents, syncRuns, syncSources } from '../../workers/db/schema'
import type { Env } from '../../workers/env'
import { search } from '../../workers/knowledge/search/search'
import { openServices, type Services } from '../../workers/services'
import type { MockPage } from '../helpers/confluence-api'
import { drainJobs, envWith, runCron, sentJobs, workerFetch } from './slack'

/**
 * Wiki sync on the Worker: the Cron Trigger enqueues a job per Confluence source, the queue
 * consumer runs the engine against a local Confluence Cloud (REST v2), and changes and deletions
 * reach retrieval. The Worker runs in workerd; the database is the PGlite endpoint.
 */
describe('wiki sync in the Worker', () => {
  const confluence = inject('confluenceUrl')
  const bindings: Env = envWith({ CONFLUENCE_API_TOKEN: 'atlassian-api-token' })
  let svc: Services

  const setPages = (pages: MockPage[]) =>
    fetch(`${confluence}/__pages`, { method: 'PUT', body: JSON.stringify(pages) }).then((r) => r.json())
  const requests = async () =>
    (await (await fetch(`${confluence}/__requests`)).json()) as Array<{
      path: string
      authorization?: string
    }>
  const cron = runCron
  const liveConfluence = () =>
    svc.db
      .select({ path: documents.sourcePath, title: documents.title, url: documents.url })
      .from(documents)
      .where(and(eq(documents.sourceKind, 'confluence'), isNull(documents.deletedAt)))
  const page = (id: string, title: string, version: number, storage: string): MockPage => ({
    id,
    title,
    version,
    modifiedAt: `2026-11-2${version}T10:00:00.000Z`,
    storage,
  })

  beforeAll(async () => {
    svc = await openServices(bindings)
    await svc.db.insert(syncSources).values({
      name: 'hr-wiki',
      kind: 'confluence',
      config: { baseUrl: confluence, email: 'policybot@example.com', spaceKeys: ['HR'] },
    })
  })
  afterAll(() => svc?.close())

  it('syncs a Confluence space from the cron through the queue, with the documented auth', async () => {
    await setPages([
      page(
        '1001',
        'Sabbatical leave',
        1,
        '<h1>Sabbatical</h1><p>After seven years staff may take a three-month sabbatical.</p>',
      ),
      {
        ...page(
          '1002',
          'Bike to work',
          1,
          '<p>The company pays for a bicycle lease of up to 3,000 euros.</p>',
        ),
        // A view restriction on the page: only HR may read it in Confluence, so only HR is answered.
        restrictedTo: ['HR-Team'],
      },
    ])
    sentJobs.length = 0
    await cron(bindings)
    expect(sentJobs.filter((j) => j.type === 'sync')).toEqual([{ type: 'sync', source: 'hr-wiki' }])
    const drained = await drainJobs(5, bindings)
    expect(drained.retried).toBe(0)
    expect((await liveConfluence()).map((d) => [d.path, d.title]).sort()).toEqual([
      ['hr-wiki/1001', 'Sabbatical leave'],
      ['hr-wiki/1002', 'Bike to work'],
    ])
    const sent = await requests()
    const basic = `Basic ${btoa('policybot@example.com:atlassian-api-token')}`
    expect(sent.every((r) => r.authorization === basic)).toBe(true)
    expect(sent.map((r) => r.path.split('?')[0])).toEqual(
      expect.arrayContaining([
        '/wiki/api/v2/spaces',
        '/wiki/api/v2/spaces/98306/pages',
        '/wiki/api/v2/pages/1001',
      ]),
    )
    // Only the groups that may view the space (and whoever AUDIENCES maps to them) are answered.
    const asStaff = { k: 1, audiences: ['confluence-users'] }
    const asNobody = { k: 5, audiences: [] }
    const publicHits = (await search(svc.db, svc.embedder, 'how long is a sabbatical?', asNobody)).passages
    expect(publicHits.map((p) => p.sourcePath)).not.toContain('hr-wiki/1001')
    const hit = (await search(svc.db, svc.embedder, 'how long is a sabbatical?', asStaff)).passages[0]
    expect(hit?.sourcePath).toBe('hr-wiki/1001')
    const audiences = await svc.db
      .select({ path: documents.sourcePath, audience: documents.audience })
      .from(documents)
      .where(and(eq(documents.sourceKind, 'confluence'), isNull(documents.deletedAt)))
    expect(Object.fromEntries(audiences.map((d) => [d.path, d.audience]))).toEqual({
      'hr-wiki/1001': ['confluence-users'],
      'hr-wiki/1002': ['hr-team'],
    })
    expect(sent.map((r) => r.path.split('?')[0])).toEqual(
      expect.arrayContaining([
        '/wiki/rest/api/content/1002/restriction/byOperation/read',
        '/wiki/api/v2/pages/1002/ancestors',
        '/wiki/api/v2/spaces/98306/permissions',
        '/wiki/rest/api/group/by-id',
      ]),
    )
  })

  it('re-syncs an edited page and removes a deleted one on the next cron', async () => {
    await setPages([
      {
        ...page(
          '1001',
          'Sabbatical leave',
          2,
          '<p>After five years staff may take a six-month sabbatical.</p>',
        ),
        // Edited after the last run: this run's to make answerable, so its lag is measured.
        modifiedAt: new Date().toISOString(),
      },
    ])
    await cron(bindings)
    await drainJobs(5, bindings)
    expect((await liveConfluence()).map((d) => d.path)).toEqual(['hr-wiki/1001'])
    const staff = ['confluence-users', 'hr-team']
    const hit = (await search(svc.db, svc.embedder, 'how long is a sabbatical?', { k: 1, audiences: staff }))
      .passages[0]
    expect(hit?.text).toContain('six-month sabbatical')
    const bike = (await search(svc.db, svc.embedder, 'bicycle lease euros', { k: 3, audiences: staff }))
      .passages
    expect(bike.some((p) => p.sourcePath === 'hr-wiki/1002')).toBe(false)
    const [run] = await svc.db
      .select()
      .from(syncRuns)
      .where(eq(syncRuns.source, 'hr-wiki'))
      .orderBy(syncRuns.id)
      .then((rows) => rows.slice(-1))
    expect(run).toMatchObject({ status: 'ok', changed: 1, deleted: 1, failed: 0 })
    // The edit was dated by Confluence and measured: its lag is on /metrics for a scraper.
    expect(run?.lagPages).toBeGreaterThanOrEqual(1)
    const token = 'metrics-token-for-tests-0123456789abcdef'
    const withToken = envWith({ CONFLUENCE_API_TOKEN: 'atlassian-api-token', METRICS_TOKEN: token })
    const scrape = (auth?: string, env = withToken) =>
      workerFetch('http://policybot.test/metrics', auth ? { headers: { authorization: auth } } : {}, env)
    expect((await scrape(`Bearer ${token}`, bindings)).status).toBe(404)
    expect((await scrape()).status).toBe(401)
    expect((await scrape('Bearer not-the-token-not-the-token-0000')).status).toBe(401)
    const res = await scrape(`Bearer ${token}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    expect(text).toContain('# TYPE policybot_sync_change_lag_max_seconds gauge')
    expect(text).toMatch(/^policybot_sync_pages\{source="hr-wiki",kind="confluence"\} 1$/m)
    expect(text).toMatch(/^policybot_sync_last_run_ok\{source="hr-wiki",kind="confluence"\} 1$/m)
    const lag =
      /^policybot_sync_change_lag_max_seconds\{source="hr-wiki",kind="confluence"\} ([\d.e+]+)$/m.exec(text)
    expect(Number(lag?.[1])).toBeCloseTo((run?.lagMaxMs ?? Number.NaN) / 1000, 3)
  })

  it('records a missing secret on the source instead of retrying the job', async () => {
    sentJobs.length = 0
    const noToken = envWith({})
    await cron(noToken)
    const drained = await drainJobs(5, noToken)
    expect(drained).toMatchObject({ retried: 0, deadLettered: 0 })
    const [s] = await svc.db.select().from(syncSources).where(eq(syncSources.name, 'hr-wiki'))
    expect(s?.lastError).toMatch(/set CONFLUENCE_API_TOKEN/)
  })
})
