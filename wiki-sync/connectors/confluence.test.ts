import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import annualLeave from '../../test/fixtures/confluence/page-annual-leave.json'
import spacesEng from '../../test/fixtures/confluence/spaces-eng.json'
import spacesHr from '../../test/fixtures/confluence/spaces-hr.json'
import spacesNone from '../../test/fixtures/confluence/spaces-none.json'
import { startTestServer } from '../../test/helpers/http-server'
import type { ChangePage, ItemRef } from '../connector'
import { type ConfluenceOptions, createConfluenceConnector, PEOPLE_ONLY } from './confluence'

// Known answer: base64("policybot@acme.example:ATATT3xFfGF0T4kEn-for-tests"), computed outside the code.
const AUTH = 'Basic cG9saWN5Ym90QGFjbWUuZXhhbXBsZTpBVEFUVDN4RmZHRjBUNGtFbi1mb3ItdGVzdHM='
const BASE = 'https://acme.atlassian.net/wiki'
const RESTRICTION_EXPAND = 'expand=restrictions.user,restrictions.group'
const unrestricted = {
  operation: 'read',
  restrictions: { user: { results: [], size: 0 }, group: { results: [], size: 0 } },
}
const HR_SPACES = '/wiki/api/v2/spaces?keys=HR'
const HR_FEED =
  '/wiki/api/v2/spaces/98306/pages?limit=2&sort=-modified-date&status=current&status=archived&status=trashed'
const ENG_FEED =
  '/wiki/api/v2/spaces/131073/pages?limit=2&sort=-modified-date&status=current&status=archived&status=trashed'
const HR_LIVE = '/wiki/api/v2/spaces/98306/pages?limit=2&status=current'
const CQL = `/wiki/rest/api/content/search?${new URLSearchParams({ cql: 'space = "HR" and type = page and label in ("policy","handbook")', limit: '2' })}`

type Reply = { status?: number; json?: unknown; headers?: Record<string, string> }
const notFound: Reply = {
  status: 404,
  json: { errors: [{ status: 404, code: 'NOT_FOUND', title: 'Not Found', detail: null }] },
}
const serverError: Reply = { status: 500, json: { errors: [{ status: 500, code: 'INTERNAL_SERVER_ERROR' }] } }

const servers: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

/**
 * A fake site answering exact paths (with query); a list of replies is served in order. Pages
 * without a route for their ancestors or view restrictions have none, as most pages.
 */
async function site(routes: Record<string, Reply | Reply[]>) {
  const server = await startTestServer((req) => {
    const route = routes[req.path]
    const reply = Array.isArray(route) ? route.shift() : route
    if (reply) return reply
    if (/^\/wiki\/api\/v2\/pages\/[^/]+\/ancestors\?/.test(req.path))
      return { json: { results: [], _links: {} } }
    if (/^\/wiki\/rest\/api\/content\/[^/]+\/restriction\/byOperation\/read\?/.test(req.path))
      return { json: unrestricted }
    if (/^\/wiki\/api\/v2\/spaces\/[^/]+\/permissions\?/.test(req.path))
      return list([grant('group', 'g-staff'), grant('user', '557058:ad')])
    if (req.path === '/wiki/rest/api/group/by-id?id=g-staff')
      return { json: { type: 'group', name: 'confluence-users', id: 'g-staff' } }
    return notFound
  })
  servers.push(server)
  return server
}

/** A space permission assignment as `GET /wiki/api/v2/spaces/{id}/permissions` lists it. */
function grant(type: string, id: string, key = 'read', targetType = 'space') {
  return { id: `${type}-${id}-${key}`, principal: { type, id }, operation: { key, targetType } }
}

function connector(url: string, overrides: Partial<ConfluenceOptions> = {}) {
  const sleeps: number[] = []
  const c = createConfluenceConnector({
    baseUrl: url,
    email: 'policybot@acme.example',
    apiToken: 'ATATT3xFfGF0T4kEn-for-tests',
    spaceKeys: ['HR'],
    pageSize: 2,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    ...overrides,
  })
  return { c, sleeps }
}

/** A `PageBulk` as `GET /spaces/{id}/pages` lists it (no body). */
function pageBulk(
  id: string,
  createdAt: string,
  o: { number?: number; title?: string; status?: string } = {},
) {
  const title = o.title ?? `Page ${id}`
  return {
    parentId: '98412',
    spaceId: '98306',
    ownerId: '557058:2b8e1d40-7c3a-4f6e-b5d2-9a0c1e2f3a4b',
    lastOwnerId: null,
    createdAt: '2024-01-15T09:30:12.004Z',
    authorId: '557058:2b8e1d40-7c3a-4f6e-b5d2-9a0c1e2f3a4b',
    parentType: 'page',
    position: 2174,
    version: {
      number: o.number ?? 1,
      message: '',
      minorEdit: false,
      authorId: '557058:9d4c2a10-1e3b-4c5d-8e7f-0a1b2c3d4e5f',
      createdAt,
      ncsStepVersion: '1',
    },
    status: o.status ?? 'current',
    title,
    id,
    _links: {
      editui: `/pages/resumedraft.action?draftId=${id}`,
      webui: `/spaces/HR/pages/${id}/${encodeURIComponent(title).replace(/%20/g, '+')}`,
      edituiv2: `/spaces/HR/pages/edit-v2/${id}`,
      tinyui: '/x/AYAd',
    },
  }
}

/** A `MultiEntityResult` page; `next` is relative to the site, as Confluence sends it. */
function list(results: unknown[], next?: string): Reply {
  return { json: { results, _links: { ...(next ? { next } : {}), base: BASE } } }
}

function labels(...names: string[]): Reply {
  return list(names.map((name, i) => ({ prefix: 'global', name, id: String(131075 + i) })))
}

async function all(feed: AsyncIterable<ChangePage>): Promise<ChangePage[]> {
  const pages: ChangePage[] = []
  for await (const page of feed) pages.push(page)
  return pages
}

const ref = (id: string, version: string, updatedAt: string, extra: Partial<ItemRef> = {}): ItemRef => ({
  id,
  version,
  updatedAt: new Date(updatedAt),
  ...extra,
})

describe('createConfluenceConnector', () => {
  it('lists every page of every space on a first run, following _links.next', async () => {
    const next = `${HR_FEED}&cursor=eyJpZCI6IjE5MzMzMTMifQ%3D%3D`
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      '/wiki/api/v2/spaces?keys=ENG': { json: spacesEng },
      [HR_FEED]: list(
        [
          pageBulk('1933313', '2025-03-12T14:05:47.221Z', { number: 7 }),
          pageBulk('1933400', '2025-03-11T08:00:00.000Z'),
        ],
        next,
      ),
      [next]: list([pageBulk('1933501', '2024-11-02T10:00:00.000Z', { number: 3 })]),
      [ENG_FEED]: list([pageBulk('2200001', '2025-02-01T12:00:00.000Z', { number: 2 })]),
    })
    const { c } = connector(server.url, { spaceKeys: ['HR', 'ENG'] })

    const pages = await all(c.changes(undefined))

    expect(pages).toEqual([
      {
        items: [
          ref('1933313', '7', '2025-03-12T14:05:47.221Z'),
          ref('1933400', '1', '2025-03-11T08:00:00.000Z'),
        ],
      },
      { items: [ref('1933501', '3', '2024-11-02T10:00:00.000Z')] },
      { items: [ref('2200001', '2', '2025-02-01T12:00:00.000Z')], cursor: '2025-03-12T14:05:47.221Z' },
    ])
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', HR_SPACES],
      ['GET', '/wiki/api/v2/spaces?keys=ENG'],
      ['GET', HR_FEED],
      ['GET', next],
      ['GET', ENG_FEED],
    ])
    for (const r of server.requests) expect(r.headers.authorization).toBe(AUTH)
  })

  it("calls Atlassian's gateway for a scoped token, keeping its /ex/confluence/{cloudId} prefix across pages", async () => {
    const G = '/ex/confluence/7c3a7f2e-cloud'
    const next = `${HR_FEED}&cursor=eyJpZCI6IjE5MzMzMTMifQ%3D%3D`
    const server = await site({
      [`${G}${HR_SPACES}`]: { json: spacesHr },
      // The gateway's next link is site-relative, without the prefix.
      [`${G}${HR_FEED}`]: list([pageBulk('1933313', '2025-03-12T14:05:47.221Z', { number: 7 })], next),
      [`${G}${next}`]: list([pageBulk('1933501', '2024-11-02T10:00:00.000Z', { number: 3 })]),
    })
    const { c } = connector(`${server.url}${G}`)
    const pages = await all(c.changes(undefined))
    expect(pages.flatMap((p) => p.items.map((i) => i.id))).toEqual(['1933313', '1933501'])
    expect(server.requests.map((r) => r.path)).toEqual([`${G}${HR_SPACES}`, `${G}${HR_FEED}`, `${G}${next}`])
    for (const r of server.requests) expect(r.headers.authorization).toBe(AUTH)
  })

  it('stops an incremental listing ten minutes before the cursor and returns the newest timestamp as the new cursor', async () => {
    const page2 = `${HR_FEED}&cursor=b2`
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      [HR_FEED]: list(
        [
          pageBulk('1933313', '2025-03-12T14:05:47.221Z', { number: 8 }),
          pageBulk('1933400', '2025-03-11T08:00:00Z'),
        ],
        page2,
      ),
      // A page at the cursor (the same instant, written without milliseconds) or a few minutes
      // before it is read again (saved while the last run listed); the first one older ends the space.
      [page2]: list(
        [
          pageBulk('1933501', '2025-03-10T09:00:00.000Z'),
          pageBulk('1933503', '2025-03-10T08:52:00.000Z'),
          pageBulk('1933502', '2025-03-01T09:00:00.000Z'),
        ],
        `${HR_FEED}&cursor=b3`,
      ),
    })
    const { c } = connector(server.url)

    const pages = await all(c.changes('2025-03-10T09:00:00Z'))

    expect(pages).toEqual([
      {
        items: [ref('1933313', '8', '2025-03-12T14:05:47.221Z'), ref('1933400', '1', '2025-03-11T08:00:00Z')],
      },
      {
        items: [
          ref('1933501', '1', '2025-03-10T09:00:00.000Z'),
          ref('1933503', '1', '2025-03-10T08:52:00.000Z'),
        ],
        cursor: '2025-03-12T14:05:47.221Z',
      },
    ])
    expect(server.requests.map((r) => r.path)).toEqual([HR_SPACES, HR_FEED, page2])
  })

  it('returns the old cursor when nothing is newer (re-reading only the look-back window)', async () => {
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      [HR_FEED]: list(
        [pageBulk('1933313', '2025-03-12T14:05:47.221Z'), pageBulk('1933300', '2025-03-12T13:00:00.000Z')],
        `${HR_FEED}&cursor=b2`,
      ),
    })
    const { c } = connector(server.url)

    const pages = await all(c.changes('2025-03-12T14:05:47.221Z'))

    expect(pages).toEqual([
      { items: [ref('1933313', '1', '2025-03-12T14:05:47.221Z')], cursor: '2025-03-12T14:05:47.221Z' },
    ])
    expect(server.requests.map((r) => r.path)).toEqual([HR_SPACES, HR_FEED])
  })

  it('fetches a page as Markdown with its title, absolute url, labels, author and audience', async () => {
    const labelsNext = '/wiki/api/v2/pages/1933313/labels?limit=2&cursor=bDI%3D'
    const server = await site({
      '/wiki/api/v2/pages/1933313?body-format=storage': { json: annualLeave },
      [HR_SPACES]: { json: spacesHr },
      '/wiki/api/v2/pages/1933313/labels?limit=2': {
        json: { ...(labels('leave', 'policy').json as object), _links: { next: labelsNext, base: BASE } },
      },
      [labelsNext]: labels('benefits'),
    })
    const { c } = connector(server.url, { audience: ['All-Staff'] })

    const item = await c.fetch(ref('1933313', '7', '2025-03-12T14:05:47.221Z'))

    expect(item).toEqual({
      id: '1933313',
      version: '7',
      title: 'Annual leave',
      url: 'https://acme.atlassian.net/wiki/spaces/HR/pages/1933313/Annual+leave',
      updatedAt: new Date('2025-03-12T14:05:47.221Z'),
      author: '557058:2b8e1d40-7c3a-4f6e-b5d2-9a0c1e2f3a4b',
      audience: ['all-staff'],
      labels: ['leave', 'policy', 'benefits'],
      location: 'HR',
      markdown: [
        '# Annual leave',
        '',
        'Everyone on a permanent contract gets **25 days** of paid leave a year, plus public holidays. Sick days are covered by Sick leave.',
        '',
        '> **Info: Part-time staff**',
        '> ',
        '> Leave is pro rata to your contracted hours.',
        '',
        '## Booking leave',
        '',
        '1.  Agree the dates with your manager.',
        '    ',
        '2.  Book them in Workday at least two weeks ahead.',
        '    ',
        '',
        '## Entitlement by service',
        '',
        '| Years of service | Days |',
        '| --- | --- |',
        '| Under 5 | 25 |',
        '| 5 or more | 28 |',
        '',
        '## Carry-over',
        '',
        '-   Up to 5 unused days carry over to the next year.',
        '    ',
        '-   Carried days expire on 31 March.',
        '    ',
        '',
        '```yaml',
        'leave:',
        '  days: 25',
        '  carry_over: 5 # <= 5 days',
        '```',
      ].join('\n'),
    })
    expect(server.requests.map((r) => r.path)).toEqual([
      '/wiki/api/v2/pages/1933313?body-format=storage',
      HR_SPACES,
      '/wiki/api/v2/pages/1933313/labels?limit=2',
      labelsNext,
      '/wiki/api/v2/pages/1933313/ancestors?limit=2',
      `/wiki/rest/api/content/1933313/restriction/byOperation/read?${RESTRICTION_EXPAND}`,
    ])
    for (const r of server.requests) expect(r.headers.authorization).toBe(AUTH)
  })

  it("waits as long as a 429's Retry-After asks, then retries and succeeds", async () => {
    const server = await site({
      [HR_SPACES]: [
        {
          status: 429,
          headers: { 'retry-after': '2' },
          json: { errors: [{ status: 429, code: 'TOO_MANY_REQUESTS' }] },
        },
        { json: spacesHr },
      ],
      [HR_LIVE]: list([pageBulk('1933313', '2025-03-12T14:05:47.221Z')]),
    })
    const { c, sleeps } = connector(server.url)

    expect(await c.liveIds()).toEqual(new Set(['1933313']))
    expect(sleeps).toEqual([2000])
    expect(server.requests.map((r) => r.path)).toEqual([HR_SPACES, HR_SPACES, HR_LIVE])
  })

  it('retries a 500 and then succeeds', async () => {
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      [HR_LIVE]: [serverError, list([pageBulk('1933313', '2025-03-12T14:05:47.221Z')])],
    })
    const { c, sleeps } = connector(server.url)

    expect(await c.liveIds()).toEqual(new Set(['1933313']))
    expect(sleeps).toHaveLength(1)
    expect(server.requests.map((r) => r.path)).toEqual([HR_SPACES, HR_LIVE, HR_LIVE])
  })

  it('fails with AUTH on a 401 without retrying', async () => {
    const server = await site({
      [HR_SPACES]: {
        status: 401,
        json: { errors: [{ status: 401, code: 'UNAUTHORIZED', title: 'Unauthorized' }] },
      },
    })
    const { c, sleeps } = connector(server.url)

    await expect(all(c.changes(undefined))).rejects.toMatchObject({
      name: 'ConnectorError',
      code: 'AUTH',
      status: 401,
    })
    expect(server.requests).toHaveLength(1)
    expect(sleeps).toEqual([])
  })

  it("narrows the audience to the groups every level of view restrictions allows (the page's and its ancestors')", async () => {
    const restriction = (groups: string[], users = 0) => ({
      json: {
        operation: 'read',
        restrictions: {
          user: { results: Array.from({ length: users }, (_, i) => ({ accountId: `u${i}` })), size: users },
          group: {
            results: groups.map((name) => ({ type: 'group', name, id: `g-${name}` })),
            size: groups.length,
          },
        },
      },
    })
    const routes = (page: Reply, parent: Reply) => ({
      '/wiki/api/v2/pages/1933313?body-format=storage': { json: annualLeave },
      [HR_SPACES]: { json: spacesHr },
      '/wiki/api/v2/pages/1933313/labels?limit=2': labels('leave'),
      '/wiki/api/v2/pages/1933313/ancestors?limit=2': list([
        { id: '1900001', type: 'page' },
        { id: '1900000', type: 'page' },
      ]),
      [`/wiki/rest/api/content/1933313/restriction/byOperation/read?${RESTRICTION_EXPAND}`]: page,
      [`/wiki/rest/api/content/1900001/restriction/byOperation/read?${RESTRICTION_EXPAND}`]: parent,
    })
    const audienceOf = async (page: Reply, parent: Reply) => {
      const server = await site(routes(page, parent))
      const { c } = connector(server.url, { audience: ['All-Staff'] })
      return (await c.fetch(ref('1933313', '7', '2025-03-12T14:05:47.221Z')))?.audience
    }
    // Restricted on the page to HR and Managers, under a parent restricted to Managers: Managers.
    expect(
      await audienceOf(restriction(['HR-Team', 'Managers']), restriction(['managers', 'execs'])),
    ).toEqual(['managers'])
    // Restricted on the parent only: its groups, not the space's all-staff.
    expect(await audienceOf({ json: unrestricted }, restriction(['HR-Team']))).toEqual(['hr-team'])
    // Named people only: nobody the bot answers.
    expect(await audienceOf(restriction([], 2), { json: unrestricted })).toEqual([PEOPLE_ONLY])
    // No restriction anywhere: the source's audience.
    expect(await audienceOf({ json: unrestricted }, { json: unrestricted })).toEqual(['all-staff'])
  })

  it("gives unrestricted pages the groups the space's view permission names, read once per run", async () => {
    const HR_PERMISSIONS = '/wiki/api/v2/spaces/98306/permissions?limit=2'
    const next = `${HR_PERMISSIONS}&cursor=cDI%3D`
    const routes = (grants: Reply | Reply[]) => ({
      '/wiki/api/v2/pages/1933313?body-format=storage': { json: annualLeave },
      '/wiki/api/v2/pages/1933400?body-format=storage': { json: { ...annualLeave, id: '1933400' } },
      [HR_SPACES]: { json: spacesHr },
      '/wiki/api/v2/pages/1933313/labels?limit=2': labels('leave'),
      '/wiki/api/v2/pages/1933400/labels?limit=2': labels('leave'),
      [HR_PERMISSIONS]: grants,
      '/wiki/rest/api/group/by-id?id=g-hr': { json: { type: 'group', name: 'HR-Team', id: 'g-hr' } },
      '/wiki/rest/api/group/by-id?id=g-mgr': { json: { type: 'group', name: 'Managers', id: 'g-mgr' } },
    })
    const run = async (
      grants: Reply | Reply[],
      {
        extraRoutes = {},
        ...overrides
      }: Partial<ConfluenceOptions> & { extraRoutes?: Record<string, Reply> } = {},
    ) => {
      const server = await site({ ...routes(grants), ...extraRoutes })
      const logged: string[] = []
      const { c } = connector(server.url, { log: (l) => logged.push(l), ...overrides })
      const first = await c.fetch(ref('1933313', '7', '2025-03-12T14:05:47.221Z'))
      const second = await c.fetch(ref('1933400', '7', '2025-03-12T14:05:47.221Z'))
      const paths = server.requests.map((r) => r.path)
      return { audiences: [first?.audience, second?.audience], logged, paths }
    }

    // Viewing granted to two groups over two pages of the listing, a person, a role, and a group
    // deleted since; another operation does not count. Read once for both pages.
    const s = await run(
      {
        json: {
          results: [
            grant('group', 'g-mgr'),
            grant('user', '557058:ad'),
            grant('group', 'g-writers', 'create', 'page'),
          ],
          _links: { next },
        },
      },
      {
        extraRoutes: {
          [next]: list([grant('group', 'g-hr'), grant('role', 'r-1'), grant('group', 'g-gone')]),
        },
      },
    )
    expect(s.audiences).toEqual([
      ['hr-team', 'managers'],
      ['hr-team', 'managers'],
    ])
    expect(s.paths.filter((p) => p.includes('/permissions'))).toEqual([HR_PERMISSIONS, next])
    expect(s.paths.filter((p) => p.includes('/group/by-id')).sort()).toEqual([
      '/wiki/rest/api/group/by-id?id=g-gone',
      '/wiki/rest/api/group/by-id?id=g-hr',
      '/wiki/rest/api/group/by-id?id=g-mgr',
    ])
    expect(s.logged).toEqual(['space HR: viewable by the groups hr-team, managers'])

    // Named people only: the space answers nobody, even where a page's restriction names a group.
    const people = await run(list([grant('user', '557058:ad'), grant('user', '557058:be')]), {
      extraRoutes: {
        [`/wiki/rest/api/content/1933313/restriction/byOperation/read?${RESTRICTION_EXPAND}`]: {
          json: {
            operation: 'read',
            restrictions: {
              user: { results: [], size: 0 },
              group: { results: [{ type: 'group', name: 'HR-Team', id: 'g-hr' }], size: 1 },
            },
          },
        },
      },
    })
    expect(people.audiences).toEqual([[PEOPLE_ONLY], [PEOPLE_ONLY]])
    expect(people.logged).toEqual(['space HR: viewable by named people only (answers nobody)'])

    // An audience stated in the source is used instead, without reading the permissions.
    const stated = await run(notFound, { audience: ['All-Staff'] })
    expect(stated.audiences).toEqual([['all-staff'], ['all-staff']])
    expect(stated.paths.some((p) => p.includes('/permissions'))).toBe(false)

    // A token that may not read them fails the page with what to do: never "everyone".
    const server = await site(routes({ status: 403, json: { message: 'Forbidden' } }))
    const { c } = connector(server.url)
    await expect(c.fetch(ref('1933313', '7', '2025-03-12T14:05:47.221Z'))).rejects.toMatchObject({
      code: 'AUTH',
      message: expect.stringMatching(/who may view Confluence space "HR".*set the source's audience/),
    })
  })

  it('fetches null for a page that is gone (404)', async () => {
    const server = await site({})
    const { c } = connector(server.url)

    expect(await c.fetch(ref('1933313', '7', '2025-03-12T14:05:47.221Z'))).toBeNull()
    expect(server.requests.map((r) => r.path)).toEqual(['/wiki/api/v2/pages/1933313?body-format=storage'])
  })

  it('fetches null for a trashed page', async () => {
    const server = await site({
      '/wiki/api/v2/pages/1933313?body-format=storage': { json: { ...annualLeave, status: 'trashed' } },
    })
    const { c } = connector(server.url)

    expect(await c.fetch(ref('1933313', '8', '2025-03-13T09:00:00.000Z'))).toBeNull()
  })

  it('marks trashed and archived pages in the feed as deleted', async () => {
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      [HR_FEED]: list([
        pageBulk('1933400', '2025-03-13T09:00:00.000Z', { number: 4, status: 'trashed' }),
        pageBulk('1933313', '2025-03-12T14:05:47.221Z', { number: 7 }),
        pageBulk('1933501', '2025-03-11T09:00:00.000Z', { number: 2, status: 'archived' }),
      ]),
    })
    const { c } = connector(server.url)

    const [page] = await all(c.changes('2025-03-01T00:00:00.000Z'))

    expect(page?.items).toEqual([
      ref('1933400', '4', '2025-03-13T09:00:00.000Z', { deleted: true }),
      ref('1933313', '7', '2025-03-12T14:05:47.221Z'),
      ref('1933501', '2', '2025-03-11T09:00:00.000Z', { deleted: true }),
    ])
  })

  it('keeps the id of a renamed and moved page and gives it the new version', async () => {
    const renamed = {
      ...annualLeave,
      title: 'Annual leave and holidays',
      parentId: '98999',
      version: { ...annualLeave.version, number: 8, createdAt: '2025-03-14T10:00:00.000Z' },
      _links: { ...annualLeave._links, webui: '/spaces/HR/pages/1933313/Annual+leave+and+holidays' },
    }
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      [HR_FEED]: list([
        pageBulk('1933313', '2025-03-14T10:00:00.000Z', { number: 8, title: 'Annual leave and holidays' }),
      ]),
      '/wiki/api/v2/pages/1933313?body-format=storage': { json: renamed },
      '/wiki/api/v2/pages/1933313/labels?limit=2': labels('leave'),
    })
    const { c } = connector(server.url)

    const [page] = await all(c.changes('2025-03-12T14:05:47.221Z'))
    const item = await c.fetch(page?.items[0] as ItemRef)

    expect(page?.items).toEqual([ref('1933313', '8', '2025-03-14T10:00:00.000Z')])
    expect(item).toMatchObject({
      id: '1933313',
      version: '8',
      title: 'Annual leave and holidays',
      url: 'https://acme.atlassian.net/wiki/spaces/HR/pages/1933313/Annual+leave+and+holidays',
    })
  })

  it('fetches null for a page moved to a space we do not sync', async () => {
    const server = await site({
      '/wiki/api/v2/pages/1933313?body-format=storage': { json: { ...annualLeave, spaceId: '131073' } },
      [HR_SPACES]: { json: spacesHr },
    })
    const { c } = connector(server.url)

    expect(await c.fetch(ref('1933313', '8', '2025-03-14T10:00:00.000Z'))).toBeNull()
  })

  it('lists live ids across every page of every space', async () => {
    const next = `${HR_LIVE}&cursor=bDI%3D`
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      '/wiki/api/v2/spaces?keys=ENG': { json: spacesEng },
      [HR_LIVE]: list(
        [pageBulk('1933313', '2025-03-12T14:05:47Z'), pageBulk('1933400', '2025-03-11T08:00:00Z')],
        next,
      ),
      [next]: list([pageBulk('1933501', '2024-11-02T10:00:00Z')]),
      '/wiki/api/v2/spaces/131073/pages?limit=2&status=current': list([
        pageBulk('2200001', '2025-02-01T12:00:00Z'),
      ]),
    })
    const { c } = connector(server.url, { spaceKeys: ['HR', 'ENG'] })

    expect(await c.liveIds()).toEqual(new Set(['1933313', '1933400', '1933501', '2200001']))
    expect(server.requests.map((r) => r.path)).toEqual([
      HR_SPACES,
      '/wiki/api/v2/spaces?keys=ENG',
      HR_LIVE,
      next,
      '/wiki/api/v2/spaces/131073/pages?limit=2&status=current',
    ])
  })

  it('rejects live ids rather than return a partial set when a middle page keeps failing', async () => {
    const next = `${HR_LIVE}&cursor=bDI%3D`
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      [HR_LIVE]: list(
        [pageBulk('1933313', '2025-03-12T14:05:47Z'), pageBulk('1933400', '2025-03-11T08:00:00Z')],
        next,
      ),
      [next]: [serverError, serverError, serverError, serverError, serverError, serverError],
    })
    const { c, sleeps } = connector(server.url)

    await expect(c.liveIds()).rejects.toMatchObject({ code: 'UPSTREAM', status: 500 })
    expect(server.requests.filter((r) => r.path === next)).toHaveLength(5)
    expect(sleeps).toHaveLength(4)
  })

  it('fails with CONFIG naming an unknown space key', async () => {
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      '/wiki/api/v2/spaces?keys=HRX': { json: spacesNone },
    })
    const { c } = connector(server.url, { spaceKeys: ['HR', 'HRX'] })

    await expect(c.liveIds()).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringContaining('"HRX"'),
    })
    await expect(all(c.changes(undefined))).rejects.toMatchObject({ code: 'CONFIG' })
  })

  it('keeps only pages carrying one of the configured labels', async () => {
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      [HR_FEED]: list([
        pageBulk('1933313', '2025-03-12T14:05:47.221Z', { number: 7 }),
        pageBulk('1933400', '2025-03-11T08:00:00.000Z'),
      ]),
      [HR_LIVE]: list([
        pageBulk('1933313', '2025-03-12T14:05:47.221Z'),
        pageBulk('1933400', '2025-03-11T08:00:00Z'),
      ]),
      '/wiki/api/v2/pages/1933313/labels?limit=2': labels('leave', 'policy'),
      '/wiki/api/v2/pages/1933400/labels?limit=2': labels('draft'),
      '/wiki/api/v2/pages/1933400?body-format=storage': { json: { ...annualLeave, id: '1933400' } },
      // Live ids come from one CQL listing per space (REST v1: its next link is relative to /wiki).
      [CQL]: {
        json: {
          results: [{ id: '1933313', type: 'page', status: 'current', title: 'Annual leave' }],
          _links: { next: `/rest/api/content/search?${CQL.split('?')[1]}&cursor=c2`, context: '/wiki' },
        },
      },
      [`${CQL}&cursor=c2`]: {
        json: {
          results: [{ id: '1933999', type: 'page', status: 'current', title: 'Expenses' }],
          _links: {},
        },
      },
    })
    const { c } = connector(server.url, { labels: ['Policy', 'handbook'] })

    expect(await all(c.changes(undefined))).toEqual([
      { items: [ref('1933313', '7', '2025-03-12T14:05:47.221Z')], cursor: '2025-03-12T14:05:47.221Z' },
    ])
    const before = server.requests.length
    expect(await c.liveIds()).toEqual(new Set(['1933313', '1933999']))
    // No label lookup per page: the listing and its second page only.
    expect(server.requests.slice(before).map((r) => r.path)).toEqual([CQL, `${CQL}&cursor=c2`])
    expect(await c.fetch(ref('1933400', '1', '2025-03-11T08:00:00.000Z'))).toBeNull()
  })

  it('refuses a next link to another host, so the token stays on the site', async () => {
    const server = await site({
      [HR_SPACES]: { json: spacesHr },
      [HR_LIVE]: list(
        [pageBulk('1933313', '2025-03-12T14:05:47Z')],
        'https://evil.example/wiki/api/v2/pages?cursor=x',
      ),
    })
    const { c } = connector(server.url)

    await expect(c.liveIds()).rejects.toMatchObject({ code: 'BAD_RESPONSE' })
    expect(server.requests).toHaveLength(2)
  })

  it('is edge-safe: the connector and what it imports from here use no Node built-ins', async () => {
    const files = [
      'confluence.ts',
      'confluence-client.ts',
      'confluence-storage.ts',
      'http.ts',
      '../connector.ts',
    ]
    for (const file of files) {
      const source = await readFile(new URL(file, import.meta.url), 'utf8')
      expect(source, file).not.toMatch(/from ['"]node:|require\(/)
    }
  })
})
