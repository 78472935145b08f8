import { z } from 'zod'
import { htmlToMarkdown } from '../../workers/knowledge/parse/html-to-markdown'
import { type ChangePage, type Connector, ConnectorError, type Item, type ItemRef } from '../connector'
import {
  ancestorSchema,
  type ConfluencePage,
  type ConfluenceSpace,
  createConfluenceClient,
  groupSchema,
  labelSchema,
  pageSchema,
  readRestrictionSchema,
  spacePermissionSchema,
  spaceSchema,
} from './confluence-client'
import { storageToHtml } from './confluence-storage'

/** Options of `createConfluenceConnector`. */
export interface ConfluenceOptions {
  /** The site, `https://acme.atlassian.net`. */
  baseUrl: string
  /** The Atlassian account the API token belongs to. */
  email: string
  apiToken: string
  /** Space keys to sync (`HR`, `ENG`); an unknown key fails with `CONFIG`. */
  spaceKeys: string[]
  /** When set, only pages carrying at least one of these labels are synced. */
  labels?: string[]
  /**
   * Who may read every page of these spaces (group names), stated by the admin. Absent: each
   * space's own "view space" permission decides (its groups; named people only is nobody).
   */
  audience?: string[]
  /** Told once per space which groups may view it (what AUDIENCES has to name). */
  log?: (line: string) => void
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
  /** Pages per list request, 1–250 (the API's maximum); default 100. */
  pageSize?: number
}

/** Feed statuses: `current` is live, the others tell the engine to delete (the default omits trash). */
const FEED_STATUSES = ['current', 'archived', 'trashed']
/**
 * How far before the cursor an incremental listing still reads. The feed is sorted by modified
 * date and cut at the cursor's `version.createdAt`; a page saved while the last run was listing,
 * or indexed a little late, has a timestamp just before the cursor and would be skipped for good.
 * Pages re-read in the window cost only a version comparison.
 */
export const LOOK_BACK_MS = 10 * 60_000
/**
 * The audience of a page that view restrictions limit to named people only: no AUDIENCES entry
 * can name it (a colon), so nobody is answered from it.
 */
export const PEOPLE_ONLY = 'confluence:people-only'
/** Label lookups in flight at once: enough to hide latency, few enough to stay clear of 429s. */
const LABEL_CONCURRENCY = 4

/**
 * A wiki connector for Confluence Cloud spaces over the REST API v2. `changes` lists each space
 * newest-modified first and stops ten minutes before the cursor (the newest `version.createdAt` of
 * the last completed run; LOOK_BACK_MS); a descending feed has no safe checkpoint before its end, so only the last page
 * carries the new cursor. `fetch` returns the page's storage format as Markdown; `liveIds` lists
 * every current page. Edge-safe: it runs in the Worker's queue consumer as well as in Node.
 */
export function createConfluenceConnector(options: ConfluenceOptions): Connector {
  if (options.spaceKeys.length === 0) throw new ConnectorError('CONFIG', 'Confluence spaceKeys is empty')
  if (!options.email || !options.apiToken) {
    throw new ConnectorError('CONFIG', 'Confluence needs an account email and an API token')
  }
  const client = createConfluenceClient(options)
  const limit = String(Math.min(250, Math.max(1, Math.trunc(options.pageSize ?? 100))))
  const wanted = options.labels?.length ? new Set(options.labels.map((l) => l.toLowerCase())) : undefined
  const audience = options.audience?.map((g) => g.toLowerCase())
  let spaces: Promise<ConfluenceSpace[]> | undefined

  /** Space ids from keys, once per connector; a failed lookup is retried on the next call. */
  function resolveSpaces(signal?: AbortSignal): Promise<ConfluenceSpace[]> {
    spaces ??= lookUpSpaces(signal).catch((e: unknown) => {
      spaces = undefined
      throw e
    })
    return spaces
  }

  async function lookUpSpaces(signal?: AbortSignal): Promise<ConfluenceSpace[]> {
    const found: ConfluenceSpace[] = []
    for (const key of options.spaceKeys) {
      const query = new URLSearchParams({ keys: key })
      const results = await collect(client.list(`/wiki/api/v2/spaces?${query}`, spaceSchema, signal))
      const space = results.find((s) => s.key === key) ?? results.find((s) => eqIgnoreCase(s.key, key))
      if (!space) {
        throw new ConnectorError(
          'CONFIG',
          `Confluence space "${key}" does not exist or ${options.email} cannot see it: check spaceKeys`,
        )
      }
      found.push(space)
    }
    return found
  }

  /** The audience of each space's pages without view restrictions, once per connector (one run). */
  const spaceAudiences = new Map<string, Promise<string[]>>()
  function spaceAudience(space: ConfluenceSpace, signal?: AbortSignal): Promise<string[]> {
    if (audience) return Promise.resolve(audience)
    let hit = spaceAudiences.get(space.id)
    if (!hit) {
      hit = readSpaceAudience(space, signal).catch((e: unknown) => {
        spaceAudiences.delete(space.id)
        throw e
      })
      spaceAudiences.set(space.id, hit)
    }
    return hit
  }

  /**
   * The groups granted "view space" (`read` on `space`), by name. Named people cannot be an
   * audience: a space only they may view answers nobody (PEOPLE_ONLY). Principals of other kinds
   * (roles, anonymous access) add no one: fewer readers, never more. A token that may not read the
   * permissions fails the page; the admin can state the audience in the source instead.
   */
  async function readSpaceAudience(space: ConfluenceSpace, signal?: AbortSignal): Promise<string[]> {
    let grants: z.infer<typeof spacePermissionSchema>[]
    try {
      grants = await collect(
        client.list(
          `/wiki/api/v2/spaces/${encodeURIComponent(space.id)}/permissions?limit=${limit}`,
          spacePermissionSchema,
          signal,
        ),
      )
    } catch (e) {
      if ((e as { code?: unknown } | null)?.code !== 'AUTH') throw e
      throw new ConnectorError(
        'AUTH',
        `cannot read who may view Confluence space "${space.key}" (${(e as Error).message}): give ${options.email} access to its permissions, or set the source's audience`,
      )
    }
    const groupIds = new Set<string>()
    for (const g of grants) {
      if (g.operation?.key !== 'read' || (g.operation.targetType ?? 'space') !== 'space') continue
      if (g.principal?.type === 'group' && g.principal.id) groupIds.add(g.principal.id)
    }
    const names = await mapLimit([...groupIds], LABEL_CONCURRENCY, async (groupId) => {
      const group = await orNotFound(
        client.get(`/wiki/rest/api/group/by-id?${new URLSearchParams({ id: groupId })}`, groupSchema, signal),
      )
      // A group deleted since the grant was listed lets no one in.
      return group?.name.toLowerCase()
    })
    const groups = [...new Set(names.filter((n): n is string => n !== undefined))].sort()
    options.log?.(
      `space ${space.key}: viewable by ${groups.length ? `the groups ${groups.join(', ')}` : 'named people only (answers nobody)'}`,
    )
    return groups.length ? groups : [PEOPLE_ONLY]
  }

  /** Read restrictions per content id, once per connector (one run): ancestors are shared. */
  const restrictionCache = new Map<string, Promise<Set<string> | null>>()
  function readRestriction(contentId: string, signal?: AbortSignal): Promise<Set<string> | null> {
    let hit = restrictionCache.get(contentId)
    if (!hit) {
      hit = client
        .get(
          `/wiki/rest/api/content/${encodeURIComponent(contentId)}/restriction/byOperation/read?expand=restrictions.user,restrictions.group`,
          readRestrictionSchema,
          signal,
        )
        .then(
          (r) => {
            const groups = (r.restrictions?.group?.results ?? []).map((g) => g.name.toLowerCase())
            const users = r.restrictions?.user?.results.length ?? 0
            return groups.length || users ? new Set(groups) : null
          },
          (e: unknown) => {
            // A failure is not remembered: the next page under the same ancestor asks again.
            restrictionCache.delete(contentId)
            throw e
          },
        )
      restrictionCache.set(contentId, hit)
    }
    return hit
  }

  /**
   * Who may view a page, from Confluence's view restrictions on it and on its ancestors (a
   * restriction on a parent page applies to its children): the groups every restricted level
   * allows, or PEOPLE_ONLY when only named people remain. Undefined: no restriction anywhere (the
   * space's permission decides).
   */
  async function pageAudience(pageId: string, signal?: AbortSignal): Promise<string[] | undefined> {
    const ancestors = await collect(
      client.list(
        `/wiki/api/v2/pages/${encodeURIComponent(pageId)}/ancestors?limit=${limit}`,
        ancestorSchema,
        signal,
      ),
    )
    let allowed: Set<string> | undefined
    for (const id of [pageId, ...ancestors.map((a) => a.id)]) {
      const groups = await readRestriction(id, signal)
      if (!groups) continue
      allowed = allowed ? new Set([...allowed].filter((g) => groups.has(g))) : groups
    }
    if (!allowed) return undefined
    return allowed.size ? [...allowed].sort() : [PEOPLE_ONLY]
  }

  /** The page's label names, every page of them; `NOT_FOUND` when the page is gone. */
  async function labelsOf(pageId: string, signal?: AbortSignal): Promise<string[]> {
    const path = `/wiki/api/v2/pages/${encodeURIComponent(pageId)}/labels?limit=${limit}`
    return (await collect(client.list(path, labelSchema, signal))).map((l) => l.name)
  }

  const carriesWantedLabel = (labels: string[]) => !wanted || labels.some((l) => wanted.has(l.toLowerCase()))

  /** Refs for one page of the feed: label-filtered live pages, and every gone page as deleted. */
  async function refsOf(pages: ConfluencePage[], signal?: AbortSignal): Promise<ItemRef[]> {
    const refs = await mapLimit(pages, LABEL_CONCURRENCY, async (p): Promise<ItemRef | undefined> => {
      const ref = { id: p.id, version: String(p.version.number), updatedAt: new Date(p.version.createdAt) }
      if (p.status !== 'current') return { ...ref, deleted: true }
      if (!wanted) return ref
      const labels = await orNotFound(labelsOf(p.id, signal))
      if (labels === null) return { ...ref, deleted: true }
      return carriesWantedLabel(labels) ? ref : undefined
    })
    return refs.filter((r) => r !== undefined)
  }

  async function* changes(cursor: string | undefined, signal?: AbortSignal): AsyncGenerator<ChangePage> {
    // An unreadable cursor means a full listing, which is always safe: unchanged versions cost nothing.
    const since = cursor === undefined ? Number.NaN : Date.parse(cursor)
    let newest = Number.isNaN(since) ? undefined : since
    let held: ItemRef[] | undefined
    for (const space of await resolveSpaces(signal)) {
      const query = new URLSearchParams({ limit, sort: '-modified-date' })
      for (const s of FEED_STATUSES) query.append('status', s)
      for await (const batch of client.list(
        `/wiki/api/v2/spaces/${space.id}/pages?${query}`,
        pageSchema,
        signal,
      )) {
        // Newest first: the first page older than the cursor's look-back window ends this space.
        const stop = batch.findIndex(
          (p) => !Number.isNaN(since) && Date.parse(p.version.createdAt) < since - LOOK_BACK_MS,
        )
        const fresh = stop === -1 ? batch : batch.slice(0, stop)
        for (const p of fresh) newest = Math.max(newest ?? 0, Date.parse(p.version.createdAt))
        const refs = await refsOf(fresh, signal)
        if (refs.length > 0) {
          // Hold one page back: the last one must carry the cursor.
          if (held) yield { items: held }
          held = refs
        }
        if (stop !== -1) break
      }
    }
    const next = newest === undefined ? undefined : newest === since ? cursor : new Date(newest).toISOString()
    yield { items: held ?? [], ...(next !== undefined ? { cursor: next } : {}) }
  }

  async function fetchItem(ref: ItemRef, signal?: AbortSignal): Promise<Item | null> {
    const path = `/wiki/api/v2/pages/${encodeURIComponent(ref.id)}?body-format=storage`
    const page = await orNotFound(client.get(path, pageSchema, signal))
    if (page === null || page.status !== 'current') return null
    // A page moved to a space we do not sync is gone from our point of view.
    const space = (await resolveSpaces(signal)).find((s) => s.id === page.spaceId)
    if (!space) return null
    const labels = await orNotFound(labelsOf(page.id, signal))
    if (labels === null || !carriesWantedLabel(labels)) return null
    // View restrictions narrow the space's audience; a page gone meanwhile is gone.
    const restricted = await orNotFound(pageAudience(page.id, signal))
    if (restricted === null) return null
    // A space only named people may view stays closed, whatever its pages' restrictions name.
    const spaceReaders = await spaceAudience(space, signal)
    const readers = spaceReaders.includes(PEOPLE_ONLY) ? spaceReaders : (restricted ?? spaceReaders)
    const base = page._links?.base ?? `${client.site}/wiki`
    const webui = page._links?.webui
    return {
      id: page.id,
      version: String(page.version.number),
      title: page.title,
      ...(webui ? { url: `${base}${webui}` } : {}),
      updatedAt: new Date(page.version.createdAt),
      ...(page.authorId ? { author: page.authorId } : {}),
      audience: [...readers],
      labels,
      location: space.key,
      markdown: htmlToMarkdown(storageToHtml(page.body?.storage?.value ?? '')),
    }
  }

  async function liveIds(signal?: AbortSignal): Promise<Set<string>> {
    const ids = new Set<string>()
    if (wanted) {
      // With a label filter, one CQL listing per space instead of a label lookup per page: the
      // search index may lag, but a page missing here is only deleted once fetching confirms it.
      for (const space of await resolveSpaces(signal)) {
        // Confluence stores labels in lower case.
        const names = [...(wanted ?? [])].map((l) => `"${cqlString(l)}"`).join(',')
        const cql = `space = "${cqlString(space.key)}" and type = page and label in (${names})`
        const query = new URLSearchParams({ cql, limit })
        for await (const batch of client.list(
          `/wiki/rest/api/content/search?${query}`,
          cqlResultSchema,
          signal,
        ))
          for (const r of batch) if (r.status === undefined || r.status === 'current') ids.add(r.id)
      }
      return ids
    }
    for (const space of await resolveSpaces(signal)) {
      const query = new URLSearchParams({ limit, status: 'current' })
      for await (const batch of client.list(
        `/wiki/api/v2/spaces/${space.id}/pages?${query}`,
        pageSchema,
        signal,
      )) {
        const current = batch.filter((p) => p.status === 'current')
        const keep = await mapLimit(current, LABEL_CONCURRENCY, async (p) => {
          if (!wanted) return true
          // A page deleted while we list is not live: leaving it out is right, not partial.
          const labels = await orNotFound(labelsOf(p.id, signal))
          return labels !== null && carriesWantedLabel(labels)
        })
        for (const [i, p] of current.entries()) if (keep[i]) ids.add(p.id)
      }
    }
    return ids
  }

  return { kind: 'confluence', changes, fetch: fetchItem, liveIds }
}

/** A CQL search result (REST v1 content): the fields we read. */
const cqlResultSchema = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  status: z.string().optional(),
})

/** A value inside a CQL double-quoted string. */
function cqlString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')
}

/** The value, or null when the API said 404 (checked by `code`: bundles may duplicate classes). */
async function orNotFound<T>(promise: Promise<T>): Promise<T | null> {
  try {
    return await promise
  } catch (e) {
    if ((e as { code?: unknown } | null)?.code === 'NOT_FOUND') return null
    throw e
  }
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = []
  for await (const page of pages) all.push(...page)
  return all
}

/** `items.map(fn)` with at most `limit` calls in flight, results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

function eqIgnoreCase(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}
