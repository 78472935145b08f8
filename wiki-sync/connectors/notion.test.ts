import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import travelPolicy from '../../test/fixtures/notion/travel-policy.json'
import { type Handler, type RecordedRequest, startTestServer } from '../../test/helpers/http-server'
import type { ChangePage } from '../connector'
import { createNotionConnector, type NotionOptions } from './notion'

// Ids, users and titles are ours; shapes follow developers.notion.com/reference/page, /post-search,
// /retrieve-a-database, /query-a-data-source, /get-block-children and /status-codes (API version
// 2025-09-03, where a database holds data sources and rows are queried per data source).
const TOKEN = 'secret_pb0TestIntegrationToken0000000000000'
const HR = 'a3c5e7f9-1b2d-4e6f-8a0c-2e4f6a8c0e12'
const POLICIES_DB = '0b7e1d2c-5a4f-4e3b-9c8d-1f2a3b4c5d6e'
const HANDBOOK_DB = '4d2f8a1b-7c3e-4b5a-9d6f-0e1a2b3c4d5e'
// The policies database has two data sources (e.g. "Policies" and "Archive"), the handbook one.
const POLICIES_DS = '1c9e2d3f-0000-4a5b-8c7d-000000000001'
const ARCHIVE_DS = '1c9e2d3f-0000-4a5b-8c7d-000000000002'
const HANDBOOK_DS = '1c9e2d3f-0000-4a5b-8c7d-000000000003'
const database = (dbId: string, ...dataSources: [string, string][]) => ({
  json: {
    object: 'database',
    id: dbId,
    title: [],
    parent: { type: 'workspace', workspace: true },
    data_sources: dataSources.map(([dsId, name]) => ({ id: dsId, name })),
  },
})
const TRAVEL = '6f1c2a9e-3b4d-4c8e-9a01-7d2e5b3c4f10'
const id = (n: number) => `5e0a0000-0000-4000-8000-${String(n).padStart(12, '0')}`

interface PageOverrides {
  id?: string
  title?: string
  edited?: string
  archived?: boolean
  parent?: object
}

/** A page object as search, database query and retrieve-a-page return it. */
function notionPage(o: PageOverrides = {}) {
  const pageId = o.id ?? id(1)
  const title = o.title ?? 'Expenses'
  return {
    object: 'page',
    id: pageId,
    created_time: '2023-11-20T10:03:00.000Z',
    last_edited_time: o.edited ?? '2024-05-02T14:37:00.000Z',
    created_by: { object: 'user', id: HR },
    last_edited_by: { object: 'user', id: HR },
    cover: null,
    icon: null,
    parent: o.parent ?? { type: 'workspace', workspace: true },
    archived: o.archived ?? false,
    in_trash: o.archived ?? false,
    properties: {
      title: {
        id: 'title',
        type: 'title',
        title: [
          {
            type: 'text',
            text: { content: title, link: null },
            annotations: {
              bold: false,
              italic: false,
              strikethrough: false,
              underline: false,
              code: false,
              color: 'default',
            },
            plain_text: title,
            href: null,
          },
        ],
      },
    },
    url: `https://www.notion.so/${title.replace(/\W+/g, '-')}-${pageId.replace(/-/g, '')}`,
    public_url: null,
  }
}

const pageList = (results: object[], nextCursor: string | null = null) => ({
  object: 'list',
  results,
  next_cursor: nextCursor,
  has_more: nextCursor !== null,
  type: 'page_or_database',
  page_or_database: {},
})

const blockList = (results: object[] = []) => ({
  object: 'list',
  results,
  next_cursor: null,
  has_more: false,
  type: 'block',
  block: {},
})

const notionError = (status: number, code: string, message: string) => ({
  status,
  json: { object: 'error', status, code, message },
})

const searchBody = (direction: string, startCursor?: string) => ({
  filter: { property: 'object', value: 'page' },
  sort: { timestamp: 'last_edited_time', direction },
  page_size: 100,
  ...(startCursor ? { start_cursor: startCursor } : {}),
})

const startCursorOf = (req: RecordedRequest) =>
  (req.body as { start_cursor?: string } | undefined)?.start_cursor

let server: Awaited<ReturnType<typeof startTestServer>> | undefined
let sleeps: number[] = []

afterEach(async () => {
  await server?.close()
  server = undefined
})

async function connect(handler: Handler, options: Partial<NotionOptions> = {}) {
  server = await startTestServer(handler)
  sleeps = []
  return createNotionConnector({
    token: TOKEN,
    baseUrl: server.url,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    now: () => new Date('2024-06-01T00:00:00.000Z'),
    ...options,
  })
}

const requests = () => (server?.requests ?? []).map((r) => ({ method: r.method, path: r.path, body: r.body }))

async function collect(pages: AsyncIterable<ChangePage>): Promise<ChangePage[]> {
  const out: ChangePage[] = []
  for await (const page of pages) out.push(page)
  return out
}

const ref = (pageId: string, edited: string) => ({ id: pageId, version: edited, updatedAt: new Date(edited) })

describe('the Notion change feed', () => {
  it('lists every page newest first across pages of search results, the cursor on the last', async () => {
    const c = await connect((req) => {
      if (startCursorOf(req) === undefined)
        return {
          json: pageList(
            [
              notionPage({ id: id(1), edited: '2024-05-03T08:00:00.000Z' }),
              notionPage({ id: id(2), edited: '2024-05-02T14:37:00.000Z' }),
            ],
            id(3),
          ),
        }
      return { json: pageList([notionPage({ id: id(3), edited: '2024-04-30T17:05:00.000Z' })]) }
    })
    expect(await collect(c.changes(undefined))).toEqual([
      { items: [ref(id(1), '2024-05-03T08:00:00.000Z'), ref(id(2), '2024-05-02T14:37:00.000Z')] },
      { items: [ref(id(3), '2024-04-30T17:05:00.000Z')], cursor: '2024-05-03T08:00:00.000Z' },
    ])
    expect(requests()).toEqual([
      { method: 'POST', path: '/v1/search', body: searchBody('descending') },
      { method: 'POST', path: '/v1/search', body: searchBody('descending', id(3)) },
    ])
    for (const r of server!.requests) {
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`)
      expect(r.headers['notion-version']).toBe('2025-09-03')
      expect(r.headers['content-type']).toBe('application/json')
    }
  })

  it("stops at the first page edited before the cursor, re-listing the cursor's own minute", async () => {
    const c = await connect(
      () => ({
        json: pageList(
          [
            notionPage({ id: id(1), edited: '2024-05-02T14:52:00.000Z' }),
            notionPage({ id: id(2), edited: '2024-05-02T14:37:00.000Z' }),
            notionPage({ id: id(3), edited: '2024-05-02T14:36:00.000Z' }),
          ],
          id(4),
        ),
      }),
      { lookbackMs: 0 },
    )
    expect(await collect(c.changes('2024-05-02T14:37:00.000Z'))).toEqual([
      {
        items: [ref(id(1), '2024-05-02T14:52:00.000Z'), ref(id(2), '2024-05-02T14:37:00.000Z')],
        cursor: '2024-05-02T14:52:00.000Z',
      },
    ])
    expect(requests()).toEqual([{ method: 'POST', path: '/v1/search', body: searchBody('descending') }])
  })

  it('re-lists five minutes before the cursor by default, for search indexing lag', async () => {
    const c = await connect(() => ({
      json: pageList([
        notionPage({ id: id(1), edited: '2024-05-02T14:40:00.000Z' }),
        notionPage({ id: id(2), edited: '2024-05-02T14:33:00.000Z' }),
        notionPage({ id: id(3), edited: '2024-05-02T14:31:00.000Z' }),
      ]),
    }))
    expect(await collect(c.changes('2024-05-02T14:37:00.000Z'))).toEqual([
      {
        items: [ref(id(1), '2024-05-02T14:40:00.000Z'), ref(id(2), '2024-05-02T14:33:00.000Z')],
        cursor: '2024-05-02T14:40:00.000Z',
      },
    ])
  })

  it('lists every page again once a day when asked, finding edits search indexed too late', async () => {
    const handler = () => ({
      json: pageList([
        notionPage({ id: id(1), edited: '2024-05-02T14:40:00.000Z' }),
        // Edited before the cursor's look-back, but indexed by search only after the last run.
        notionPage({ id: id(2), edited: '2024-04-01T09:00:00.000Z' }),
      ]),
    })
    const day = { fullListingMs: 24 * 3600_000 }
    // The last full listing was 12 hours ago (now is 2024-06-01T00:00Z): incremental.
    let c = await connect(handler, day)
    expect(await collect(c.changes('2024-05-02T14:37:00.000Z full:2024-05-31T12:00:00.000Z'))).toEqual([
      {
        items: [ref(id(1), '2024-05-02T14:40:00.000Z')],
        cursor: '2024-05-02T14:40:00.000Z full:2024-05-31T12:00:00.000Z',
      },
    ])
    // 36 hours ago, or never (an older cursor): everything, and the full listing's time is noted.
    for (const cursor of [
      '2024-05-02T14:37:00.000Z full:2024-05-30T12:00:00.000Z',
      '2024-05-02T14:37:00.000Z',
    ]) {
      await server?.close()
      c = await connect(handler, day)
      expect(await collect(c.changes(cursor))).toEqual([
        {
          items: [ref(id(1), '2024-05-02T14:40:00.000Z'), ref(id(2), '2024-04-01T09:00:00.000Z')],
          cursor: '2024-05-02T14:40:00.000Z full:2024-06-01T00:00:00.000Z',
        },
      ])
    }
  })

  it('keeps the previous cursor when nothing changed', async () => {
    const c = await connect(() => ({ json: pageList([notionPage({ edited: '2024-04-01T09:00:00.000Z' })]) }))
    expect(await collect(c.changes('2024-05-02T14:37:00.000Z'))).toEqual([
      { items: [], cursor: '2024-05-02T14:37:00.000Z' },
    ])
  })

  it('lists an archived page as deleted', async () => {
    const c = await connect(() => ({
      json: pageList([notionPage({ id: id(7), edited: '2024-05-02T15:00:00.000Z', archived: true })]),
    }))
    expect(await collect(c.changes(undefined))).toEqual([
      {
        items: [{ ...ref(id(7), '2024-05-02T15:00:00.000Z'), deleted: true }],
        cursor: '2024-05-02T15:00:00.000Z',
      },
    ])
  })

  it('queries each data source of each configured database sorted by last edit, newest first', async () => {
    const c = await connect(
      (req) => {
        if (req.path === `/v1/databases/${POLICIES_DB}`)
          return database(POLICIES_DB, [POLICIES_DS, 'Policies'], [ARCHIVE_DS, 'Archive'])
        if (req.path === `/v1/databases/${HANDBOOK_DB}`)
          return database(HANDBOOK_DB, [HANDBOOK_DS, 'Handbook'])
        if (req.path === `/v1/data_sources/${ARCHIVE_DS}/query`)
          return { json: pageList([notionPage({ id: id(5), edited: '2024-05-02T17:00:00.000Z' })]) }
        if (req.path === `/v1/data_sources/${POLICIES_DS}/query`) {
          if (startCursorOf(req) === undefined)
            return { json: pageList([notionPage({ id: id(1), edited: '2024-05-02T16:00:00.000Z' })], id(2)) }
          return {
            json: pageList([
              notionPage({ id: id(2), edited: '2024-05-02T15:00:00.000Z' }),
              notionPage({ id: id(3), edited: '2024-05-01T09:00:00.000Z' }),
            ]),
          }
        }
        return { json: pageList([notionPage({ id: id(4), edited: '2024-05-02T18:30:00.000Z' })]) }
      },
      { databaseIds: [POLICIES_DB, HANDBOOK_DB], lookbackMs: 0 },
    )
    expect(await collect(c.changes('2024-05-02T14:37:00.000Z'))).toEqual([
      { items: [ref(id(1), '2024-05-02T16:00:00.000Z')] },
      { items: [ref(id(2), '2024-05-02T15:00:00.000Z')] },
      { items: [ref(id(5), '2024-05-02T17:00:00.000Z')] },
      { items: [ref(id(4), '2024-05-02T18:30:00.000Z')], cursor: '2024-05-02T18:30:00.000Z' },
    ])
    const sorts = [{ timestamp: 'last_edited_time', direction: 'descending' }]
    // Each database's data sources first, then each data source's rows.
    expect(requests()).toEqual([
      { method: 'GET', path: `/v1/databases/${POLICIES_DB}`, body: undefined },
      { method: 'GET', path: `/v1/databases/${HANDBOOK_DB}`, body: undefined },
      { method: 'POST', path: `/v1/data_sources/${POLICIES_DS}/query`, body: { sorts, page_size: 100 } },
      {
        method: 'POST',
        path: `/v1/data_sources/${POLICIES_DS}/query`,
        body: { sorts, page_size: 100, start_cursor: id(2) },
      },
      { method: 'POST', path: `/v1/data_sources/${ARCHIVE_DS}/query`, body: { sorts, page_size: 100 } },
      { method: 'POST', path: `/v1/data_sources/${HANDBOOK_DS}/query`, body: { sorts, page_size: 100 } },
    ])
  })

  it('reports a database the integration cannot see as a CONFIG error naming it', async () => {
    const c = await connect(
      () =>
        notionError(
          404,
          'object_not_found',
          `Could not find database with ID: ${HANDBOOK_DB}. Make sure the relevant pages and databases are shared with your integration.`,
        ),
      { databaseIds: [HANDBOOK_DB] },
    )
    await expect(collect(c.changes(undefined))).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringContaining(`Notion database ${HANDBOOK_DB} was not found`),
    })
  })
})

describe('fetching a Notion page', () => {
  it('converts its nested, paginated blocks to Markdown without entering child pages', async () => {
    const responses: Record<string, unknown> = travelPolicy
    const c = await connect(
      (req) =>
        req.path in responses ? { json: responses[req.path] } : notionError(404, 'object_not_found', 'no'),
      { audience: ['Staff'] },
    )
    const item = await c.fetch(ref(TRAVEL, '2024-05-02T14:37:00.000Z'))
    expect(item).toEqual({
      id: TRAVEL,
      version: '2024-05-02T14:37:00.000Z',
      title: 'Travel policy',
      url: 'https://www.notion.so/Travel-policy-6f1c2a9e3b4d4c8e9a017d2e5b3c4f10',
      updatedAt: new Date('2024-05-02T14:37:00.000Z'),
      author: 'c7e9a1b3-5d7f-4a2c-8e0a-6c8e0a2c4e16',
      audience: ['staff'],
      location: `database ${POLICIES_DB}`,
      markdown: `# Travel policy

Book travel through **Navan** at least _14 days_ ahead. See [the expenses guide](https://www.notion.so/acme/Expenses-9d1e2f3a4b5c4d6e8f7a9b0c1d2e3f4a).

## Before you book

- Get your manager's approval
  1. In writing; email is fine
  2. Before any booking over €500

1. Open Navan
2. Choose the lowest refundable fare
   - Economy for flights under 6 hours

- [ ] Submit receipts within 30 days
- [x] Read this policy

> 💡 Per diem rates change every **January**.

Which cities count as high-cost?

London, New York, Zurich and Tokyo.

\`\`\`json
{
  "per_diem_eur": 75
}
\`\`\`

### Per diem

| City | Daily rate |
| --- | --- |
| London | £90 |
| Zurich | CHF 120 |

---

Questions? Ask in \`#travel\`.
`,
    })
    // Every path the fixture answers, in order: the page, three pages of its children, then the
    // children of the list items, the toggle and the table; never the child page's.
    expect(requests().map((r) => `${r.method} ${r.path}`)).toEqual(
      Object.keys(responses).map((p) => `GET ${p}`),
    )
    expect(server!.requests.every((r) => r.headers['notion-version'] === '2025-09-03')).toBe(true)
  })

  it('returns null for a page that 404s', async () => {
    const c = await connect(() =>
      notionError(404, 'object_not_found', `Could not find page with ID: ${id(9)}.`),
    )
    expect(await c.fetch(ref(id(9), '2024-05-02T14:37:00.000Z'))).toBeNull()
    expect(requests()).toEqual([{ method: 'GET', path: `/v1/pages/${id(9)}`, body: undefined }])
  })

  it('returns null for an archived page without reading its blocks', async () => {
    const c = await connect(() => ({ json: notionPage({ id: id(8), archived: true }) }))
    expect(await c.fetch(ref(id(8), '2024-05-02T14:37:00.000Z'))).toBeNull()
    expect(requests().map((r) => r.path)).toEqual([`/v1/pages/${id(8)}`])
  })

  it('keeps the id of a page that was renamed and moved', async () => {
    let page = notionPage({ id: id(5), title: 'Expenses', edited: '2024-05-01T09:00:00.000Z' })
    const c = await connect((req) => {
      if (req.path === '/v1/search') return { json: pageList([page]) }
      if (req.path === `/v1/pages/${id(5)}`) return { json: page }
      return { json: blockList() }
    })
    const before = await c.fetch(ref(id(5), '2024-05-01T09:00:00.000Z'))
    page = notionPage({
      id: id(5),
      title: 'Expense policy',
      edited: '2024-05-02T10:00:00.000Z',
      parent: { type: 'database_id', database_id: POLICIES_DB },
    })
    const listed = await collect(c.changes('2024-05-01T09:00:00.000Z'))
    const after = await c.fetch(listed[0]!.items[0]!)
    expect(listed).toEqual([
      { items: [ref(id(5), '2024-05-02T10:00:00.000Z')], cursor: '2024-05-02T10:00:00.000Z' },
    ])
    expect(before).toMatchObject({ id: id(5), title: 'Expenses', location: 'workspace' })
    expect(after).toMatchObject({ id: id(5), title: 'Expense policy', location: `database ${POLICIES_DB}` })
  })

  it("takes a page's audience from its select or multi-select property, the source's where it is empty", async () => {
    const withProperty = (pageId: string, property: object | undefined) => {
      const page = notionPage({ id: pageId, parent: { type: 'data_source_id', data_source_id: 'ds-1' } })
      return property ? { ...page, properties: { ...page.properties, Audience: property } } : page
    }
    const pages: Record<string, object> = {
      [id(1)]: withProperty(id(1), {
        id: 'a%3Bx',
        type: 'multi_select',
        multi_select: [
          { id: 'o1', name: 'Managers', color: 'blue' },
          { id: 'o2', name: ' HR ', color: 'red' },
        ],
      }),
      [id(2)]: withProperty(id(2), {
        id: 'a%3Bx',
        type: 'select',
        select: { id: 'o3', name: 'Execs', color: 'gray' },
      }),
      [id(3)]: withProperty(id(3), { id: 'a%3Bx', type: 'multi_select', multi_select: [] }),
      [id(4)]: withProperty(id(4), undefined),
      [id(5)]: withProperty(id(5), { id: 'a%3Bx', type: 'rich_text', rich_text: [] }),
    }
    const c = await connect(
      (req) => {
        const page = /^\/v1\/pages\/([^/]+)$/.exec(req.path)
        if (page) return { json: pages[page[1] as string] }
        return { json: blockList() }
      },
      { audience: ['All-Staff'], audienceProperty: 'Audience' },
    )
    const audienceOf = async (n: number) => (await c.fetch(ref(id(n), '2024-05-02T14:37:00.000Z')))?.audience
    expect(await audienceOf(1)).toEqual(['hr', 'managers'])
    expect(await audienceOf(2)).toEqual(['execs'])
    expect(await audienceOf(3)).toEqual(['all-staff'])
    expect(await audienceOf(4)).toEqual(['all-staff'])
    // Reading a text property as "nobody named" would open the page to the source's readers.
    await expect(audienceOf(5)).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringContaining('"Audience" is a rich_text'),
    })
  })

  it('marks the version of a page fetched within its edit minute, so a later same-minute edit is fetched', async () => {
    let now = new Date('2024-05-02T14:37:40.000Z')
    const c = await connect(
      (req) =>
        req.path.startsWith('/v1/pages/') ? { json: notionPage({ id: id(6) }) } : { json: blockList() },
      { now: () => now },
    )
    expect((await c.fetch(ref(id(6), '2024-05-02T14:37:00.000Z')))?.version).toBe(
      '2024-05-02T14:37:00.000Z~open',
    )
    now = new Date('2024-05-02T14:39:00.000Z')
    expect((await c.fetch(ref(id(6), '2024-05-02T14:37:00.000Z')))?.version).toBe('2024-05-02T14:37:00.000Z')
  })
})

describe('Notion errors and retries', () => {
  it('waits as long as a 429 Retry-After says, then retries', async () => {
    let limited = false
    const c = await connect((req) => {
      if (req.path.startsWith('/v1/blocks/')) return { json: blockList() }
      if (limited) return { json: notionPage({ id: id(1) }) }
      limited = true
      return {
        ...notionError(429, 'rate_limited', 'You have been rate limited. Please try again in a few minutes.'),
        headers: { 'Retry-After': '3' },
      }
    })
    expect(await c.fetch(ref(id(1), '2024-05-02T14:37:00.000Z'))).toMatchObject({
      id: id(1),
      title: 'Expenses',
    })
    expect(sleeps).toEqual([3000])
    expect(requests().map((r) => r.path)).toEqual([
      `/v1/pages/${id(1)}`,
      `/v1/pages/${id(1)}`,
      `/v1/blocks/${id(1)}/children?page_size=100`,
    ])
  })

  it('retries a 502 and then succeeds', async () => {
    let failed = false
    const c = await connect(() => {
      if (failed) return { json: pageList([notionPage({ id: id(1), edited: '2024-05-02T14:37:00.000Z' })]) }
      failed = true
      return notionError(
        502,
        'bad_gateway',
        'Notion encountered an issue while attempting to complete this request.',
      )
    })
    expect(await collect(c.changes(undefined))).toEqual([
      { items: [ref(id(1), '2024-05-02T14:37:00.000Z')], cursor: '2024-05-02T14:37:00.000Z' },
    ])
    expect(sleeps).toHaveLength(1)
    expect(requests()).toEqual([
      { method: 'POST', path: '/v1/search', body: searchBody('descending') },
      { method: 'POST', path: '/v1/search', body: searchBody('descending') },
    ])
  })

  it('fails a 401 with AUTH at once, without retrying', async () => {
    const c = await connect(() => notionError(401, 'unauthorized', 'API token is invalid.'))
    await expect(collect(c.changes(undefined))).rejects.toMatchObject({ code: 'AUTH', status: 401 })
    expect(requests()).toHaveLength(1)
    expect(sleeps).toEqual([])
  })
})

describe('the live Notion page ids', () => {
  it('lists every page to the end, oldest first, leaving out archived ones', async () => {
    const c = await connect((req) => {
      if (startCursorOf(req) === undefined)
        return {
          json: pageList([notionPage({ id: id(1) }), notionPage({ id: id(2), archived: true })], id(3)),
        }
      return { json: pageList([notionPage({ id: id(3) })]) }
    })
    expect(await c.liveIds()).toEqual(new Set([id(1), id(3)]))
    expect(requests()).toEqual([
      { method: 'POST', path: '/v1/search', body: searchBody('ascending') },
      { method: 'POST', path: '/v1/search', body: searchBody('ascending', id(3)) },
    ])
  })

  it('rejects rather than returning a partial set when a page of the listing keeps failing', async () => {
    const c = await connect((req) => {
      if (startCursorOf(req) === undefined) return { json: pageList([notionPage({ id: id(1) })], id(2)) }
      return notionError(503, 'service_unavailable', 'Notion is unavailable, please try again later.')
    })
    await expect(c.liveIds()).rejects.toMatchObject({ code: 'UPSTREAM', status: 503 })
    expect(requests()).toHaveLength(6) // one good page, then five attempts at the second
    expect(server!.requests.slice(1).every((r) => startCursorOf(r) === id(2))).toBe(true)
    expect(sleeps).toHaveLength(4)
  })
})

describe('the Notion connector', () => {
  it('is edge-safe: it and what it imports from here use no Node built-ins', async () => {
    for (const file of ['notion.ts', 'notion-blocks.ts', 'http.ts', '../connector.ts']) {
      const source = await readFile(new URL(file, import.meta.url), 'utf8')
      expect(source, file).not.toMatch(/from ['"]node:|require\(/)
    }
  })
})
