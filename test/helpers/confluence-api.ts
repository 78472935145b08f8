import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A local Confluence Cloud (REST API v2) with one space and pages the test sets: enough of the
 * documented API for the Worker's sync job (space by key, pages newest-modified first, a page with
 * its storage body, labels, its ancestors (none), view restrictions (REST v1), the space's view
 * permission (v2, granted to `viewers`) and groups by id (REST v1)). It records every request; the test reads and changes it over HTTP
 * (`GET /__requests`, `PUT /__pages`) because the Worker under test runs in workerd.
 */
export interface MockPage {
  id: string
  title: string
  version: number
  modifiedAt: string
  storage: string
  status?: 'current' | 'trashed'
  /** Groups a view restriction on the page allows (none: unrestricted). */
  restrictedTo?: string[]
}

export async function startConfluenceApi(
  space = { id: '98306', key: 'HR' },
  /** The groups granted "view space" (their ids are `g-<name>`). */
  viewers = ['confluence-users'],
) {
  let pages: MockPage[] = []
  const requests: Array<{ method: string; path: string; authorization?: string }> = []
  const page = (p: MockPage, body: boolean) => ({
    id: p.id,
    status: p.status ?? 'current',
    title: p.title,
    spaceId: space.id,
    parentId: null,
    authorId: '557058:hr-team',
    version: { number: p.version, createdAt: p.modifiedAt },
    ...(body ? { body: { storage: { representation: 'storage', value: p.storage } } } : {}),
    _links: { webui: `/spaces/${space.key}/pages/${p.id}`, ...(body ? { base: `${url}/wiki` } : {}) },
  })
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const path = req.url ?? '/'
      // Atlassian's API gateway (scoped tokens) serves the same API under /ex/confluence/{cloudId}.
      const u = new URL(path.replace(/^\/ex\/confluence\/[^/]+(?=\/)/, ''), 'http://x')
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      if (u.pathname === '/__requests') return json(200, requests)
      if (u.pathname === '/__pages' && req.method === 'PUT') {
        pages = JSON.parse(Buffer.concat(chunks).toString('utf8')) as MockPage[]
        requests.length = 0
        return json(200, { ok: true })
      }
      requests.push({
        method: req.method ?? '',
        path,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      })
      if (!req.headers.authorization?.startsWith('Basic ')) return json(401, { message: 'Unauthorized' })
      if (u.pathname === '/wiki/api/v2/spaces') {
        const keys = u.searchParams.getAll('keys').flatMap((k) => k.split(','))
        return json(200, {
          results: keys.includes(space.key)
            ? [{ id: space.id, key: space.key, name: 'Human Resources' }]
            : [],
          _links: {},
        })
      }
      if (u.pathname === `/wiki/api/v2/spaces/${space.id}/pages`) {
        const statuses = u.searchParams.getAll('status')
        const listed = pages
          .filter((p) => statuses.length === 0 || statuses.includes(p.status ?? 'current'))
          .sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt))
        return json(200, { results: listed.map((p) => page(p, false)), _links: {} })
      }
      if (u.pathname === `/wiki/api/v2/spaces/${space.id}/permissions`) {
        const grant = (type: string, id: string, key: string) => ({
          id: `${type}-${id}-${key}`,
          principal: { type, id },
          operation: { key, targetType: 'space' },
        })
        return json(200, {
          results: [
            ...viewers.map((name) => grant('group', `g-${name}`, 'read')),
            grant('user', '557058:space-admin', 'read'),
            grant('group', 'g-space-admins', 'administer'),
          ],
          _links: {},
        })
      }
      if (u.pathname === '/wiki/rest/api/group/by-id') {
        const id = u.searchParams.get('id') ?? ''
        const name = id.startsWith('g-') ? id.slice(2) : ''
        if (!name) return json(404, { statusCode: 404, message: `No group with id ${id}` })
        return json(200, { type: 'group', name, id })
      }
      const restriction = /^\/wiki\/rest\/api\/content\/([^/]+)\/restriction\/byOperation\/read$/.exec(
        u.pathname,
      )
      if (restriction) {
        const p = pages.find((x) => x.id === restriction[1])
        if (!p) return json(404, { statusCode: 404, message: 'No content found' })
        const groups = p.restrictedTo ?? []
        return json(200, {
          operation: 'read',
          restrictions: {
            user: { results: [], size: 0 },
            group: {
              results: groups.map((name) => ({ type: 'group', name, id: `g-${name}` })),
              size: groups.length,
            },
          },
        })
      }
      const single = /^\/wiki\/api\/v2\/pages\/([^/]+)(\/labels|\/ancestors)?$/.exec(u.pathname)
      if (single) {
        const p = pages.find((x) => x.id === single[1])
        if (!p) return json(404, { errors: [{ status: 404, code: 'NOT_FOUND', title: 'Not Found' }] })
        if (single[2] === '/ancestors') return json(200, { results: [], _links: {} })
        if (single[2])
          return json(200, { results: [{ id: '1', name: 'policy', prefix: 'global' }], _links: {} })
        return json(200, page(p, true))
      }
      json(404, { message: `no route ${path}` })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) }
}
