import { z } from 'zod'
import { type ChangePage, type Connector, ConnectorError, type Item, type ItemRef } from '../connector'
import { type HttpOptions, type RequestSpec, requestJson } from './http'
import {
  BlockSchema,
  blocksToMarkdown,
  type NotionBlock,
  OWN_PAGE_TYPES,
  plainText,
  RichTextSchema,
} from './notion-blocks'

/** The API version we speak: request and response shapes below are this version's. */
/**
 * The API version sent with every request. Since 2025-09-03 a database holds one or more data
 * sources, and rows are queried per data source (`POST /v1/data_sources/{id}/query`); the older
 * version's database query fails once a database has a second data source.
 */
export const NOTION_VERSION = '2025-09-03'

/** How to reach one Notion workspace, and which of its pages to sync. */
export interface NotionOptions {
  /** An internal integration secret or OAuth access token. */
  token: string
  /** Default `https://api.notion.com`. */
  baseUrl?: string
  /** Only the pages (rows) of these databases; without it, every page the integration can see. */
  databaseIds?: string[]
  /** Who may read the synced pages (group names, lower-cased here); absent means everyone. */
  audience?: string[]
  /**
   * A select or multi-select property of database pages whose options name who may read the page
   * (`Audience`: `Managers`, `HR`), for it alone instead of `audience`. Notion's API does not tell
   * whom a page is shared with, so this is how a workspace carries it. An empty value leaves the
   * page to `audience`; a property of another type fails the page.
   */
  audienceProperty?: string
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
  /** Results per list request, 1 to 100 (Notion's maximum, the default). */
  pageSize?: number
  /**
   * How far before the cursor an incremental listing still reads (default 5 minutes). Search's index
   * lags edits (developers.notion.com/reference/search-optimizations-and-limitations); re-listed pages
   * whose version is unchanged cost the engine nothing.
   */
  lookbackMs?: number
  /**
   * List every page again once this long after the last full listing (off by default; sources
   * set a day). An edit that search indexed later than the look-back is then still found: search
   * is documented as neither instant nor exhaustive. The time of the last full listing travels in
   * the cursor (`<newest edit> full:<time>`).
   */
  fullListingMs?: number
  /** The clock, for deciding whether a page's edit minute is over (see `fetch`). */
  now?: () => Date
}

const DEFAULT_LOOKBACK_MS = 5 * 60_000
// `last_edited_time` is rounded down to the minute; add a minute for clock skew between us and Notion.
const OPEN_MINUTE_MS = 2 * 60_000

const PageSchema = z.object({
  object: z.literal('page'),
  id: z.string(),
  url: z.string(),
  last_edited_time: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a timestamp'),
  last_edited_by: z.object({ id: z.string() }).optional(),
  archived: z.boolean().optional(),
  in_trash: z.boolean().optional(),
  parent: z
    .object({
      type: z.string(),
      database_id: z.string().optional(),
      data_source_id: z.string().optional(),
      page_id: z.string().optional(),
      block_id: z.string().optional(),
    })
    .optional(),
  properties: z.record(
    z.string(),
    z.object({ type: z.string(), title: z.array(RichTextSchema).optional() }).loose(),
  ),
})
type NotionPage = z.infer<typeof PageSchema>

const ListSchema = z.object({
  results: z.array(z.unknown()),
  has_more: z.boolean(),
  next_cursor: z.string().nullable(),
})

type Source = { kind: 'search' } | { kind: 'database'; id: string }

/** `GET /v1/databases/{id}` under 2025-09-03: the database's data sources. */
const DatabaseSchema = z.object({
  object: z.literal('database'),
  id: z.string(),
  data_sources: z.array(z.object({ id: z.string(), name: z.string().optional() })),
})
type Direction = 'ascending' | 'descending'

/**
 * A connector for one Notion workspace, through the public REST API (`fetch` only, so it runs in the
 * Worker too). Pages come from `POST /v1/search` (every page shared with the integration) or, with
 * `databaseIds`, from each of the databases' data sources (`GET /v1/databases/{id}`, then
 * `POST /v1/data_sources/{id}/query`); bodies from the block children endpoint,
 * walked recursively and converted by `blocksToMarkdown`. The version stamp is `last_edited_time`.
 * Throws `CONFIG` for unusable options.
 */
export function createNotionConnector(options: NotionOptions): Connector {
  if (!options.token) throw new ConnectorError('CONFIG', 'Notion: the integration token is empty')
  const pageSize = options.pageSize ?? 100
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100)
    throw new ConnectorError('CONFIG', `Notion: pageSize must be an integer from 1 to 100, not ${pageSize}`)
  const base = (options.baseUrl ?? 'https://api.notion.com').replace(/\/+$/, '')
  const lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS
  const now = options.now ?? (() => new Date())
  const audience = options.audience?.map((g) => g.toLowerCase())
  const sources: Source[] = options.databaseIds
    ? options.databaseIds.map((id) => ({ kind: 'database', id }))
    : [{ kind: 'search' }]

  const call = (path: string, spec: RequestSpec, signal?: AbortSignal) => {
    const http: HttpOptions = { fetch: options.fetch, sleep: options.sleep, signal }
    const headers = { Authorization: `Bearer ${options.token}`, 'Notion-Version': NOTION_VERSION }
    return requestJson<unknown>(`${base}${path}`, { ...spec, headers }, http)
  }

  /** A database's data sources, once per connector (one run). */
  const dataSources = new Map<string, Promise<string[]>>()
  function dataSourcesOf(databaseId: string, signal?: AbortSignal): Promise<string[]> {
    let hit = dataSources.get(databaseId)
    if (!hit) {
      hit = call(`/v1/databases/${encodeURIComponent(databaseId)}`, {}, signal).then(
        (json) => parse(DatabaseSchema, json, 'database').data_sources.map((d) => d.id),
        (e: unknown) => {
          dataSources.delete(databaseId)
          if (!hasCode(e, 'NOT_FOUND')) throw e
          throw new ConnectorError(
            'CONFIG',
            `Notion database ${databaseId} was not found: check the id in databaseIds and that the database is shared with the integration`,
            404,
            { cause: e },
          )
        },
      )
      dataSources.set(databaseId, hit)
    }
    return hit
  }

  /** What one source lists: the search, or each data source of a database (each sorted on its own). */
  async function targetsOf(source: Source, signal?: AbortSignal): Promise<(string | undefined)[]> {
    return source.kind === 'search' ? [undefined] : dataSourcesOf(source.id, signal)
  }

  /** One target's pages, a response at a time, sorted by `last_edited_time`. */
  async function* listPages(dataSource: string | undefined, direction: Direction, signal?: AbortSignal) {
    let cursor: string | undefined
    do {
      const page = { page_size: pageSize, ...(cursor ? { start_cursor: cursor } : {}) }
      const list = parse(ListSchema, await listRequest(dataSource, direction, page, signal), 'list')
      yield list.results
        .filter((r) => (r as { object?: unknown }).object === 'page')
        .map((r) => parse(PageSchema, r, 'page'))
      cursor = list.has_more ? (list.next_cursor ?? undefined) : undefined
    } while (cursor)
  }

  /** Search (no data source) or one data source's query. */
  async function listRequest(
    dataSource: string | undefined,
    direction: Direction,
    page: object,
    signal?: AbortSignal,
  ) {
    if (dataSource === undefined) {
      const body = {
        filter: { property: 'object', value: 'page' },
        sort: { timestamp: 'last_edited_time', direction },
        ...page,
      }
      return call('/v1/search', { method: 'POST', body }, signal)
    }
    const body = { sorts: [{ timestamp: 'last_edited_time', direction }], ...page }
    return call(`/v1/data_sources/${encodeURIComponent(dataSource)}/query`, { method: 'POST', body }, signal)
  }

  /** A block's children, all of their pages, and theirs in turn (child pages excepted). */
  async function loadChildren(blockId: string, seen: Set<string>, signal?: AbortSignal) {
    const blocks: NotionBlock[] = []
    let cursor: string | undefined
    do {
      const query = new URLSearchParams({ page_size: String(pageSize) })
      if (cursor) query.set('start_cursor', cursor)
      const path = `/v1/blocks/${encodeURIComponent(blockId)}/children?${query}`
      const list = parse(ListSchema, await call(path, {}, signal), 'block list')
      blocks.push(...list.results.map((r) => parse(BlockSchema, r, 'block')))
      cursor = list.has_more ? (list.next_cursor ?? undefined) : undefined
    } while (cursor)
    for (const block of blocks) {
      if (!block.has_children || OWN_PAGE_TYPES.has(block.type) || seen.has(block.id)) continue
      seen.add(block.id) // a synced block can show the same content twice; never loop
      try {
        block.children = await loadChildren(block.id, seen, signal)
      } catch (e) {
        // Deleted between listing its parent and now: the page's next edit time brings us back.
        if (!hasCode(e, 'NOT_FOUND')) throw e
      }
    }
    return blocks
  }

  return {
    kind: 'notion',

    /**
     * Newest first, stopping at the first page edited before `cursor` minus the look-back. Notion
     * rounds `last_edited_time` down to the minute, so a page edited again in the cursor's minute has
     * a time *equal* to the cursor: we stop only on strictly older pages and re-list that minute, and
     * the engine skips pages whose stored version matches. A descending feed has no safe
     * intermediate checkpoint, so only the final page carries the cursor: the newest time seen.
     */
    async *changes(cursor, signal): AsyncIterable<ChangePage> {
      const [edited, fullPart] = cursor?.split(' full:') ?? []
      const lastFull = fullPart === undefined ? Number.NaN : Date.parse(fullPart)
      const full =
        options.fullListingMs !== undefined && !(now().getTime() - lastFull < options.fullListingMs) // also when never listed in full
      const since = edited === undefined || full ? undefined : Date.parse(edited)
      if (Number.isNaN(since) || (edited !== undefined && Number.isNaN(Date.parse(edited))))
        throw new ConnectorError('CONFIG', `Notion: cursor ${cursor} is not a timestamp`)
      const stopBefore = since === undefined ? undefined : since - lookbackMs
      let newest = edited
      const withFull = (c: string) =>
        options.fullListingMs === undefined ? c : `${c} full:${full ? now().toISOString() : fullPart}`
      let newestMs = edited === undefined ? Number.NEGATIVE_INFINITY : Date.parse(edited)
      let pending: ItemRef[] = []
      const targets = (await Promise.all(sources.map((s) => targetsOf(s, signal)))).flat()
      for (const target of targets) {
        for await (const pages of listPages(target, 'descending', signal)) {
          const items: ItemRef[] = []
          let older = false
          for (const page of pages) {
            const edited = Date.parse(page.last_edited_time)
            if (stopBefore !== undefined && edited < stopBefore) {
              older = true
              break
            }
            items.push(toRef(page))
            if (edited > newestMs) [newestMs, newest] = [edited, page.last_edited_time]
          }
          if (pending.length > 0) yield { items: pending }
          pending = items
          if (older) break
        }
      }
      yield newest === undefined ? { items: pending } : { items: pending, cursor: withFull(newest) }
    },

    /**
     * The page and its blocks as Markdown; null when the page is gone, trashed or no longer shared
     * (Notion answers 404 for both). While the page's edit minute may still be open, the version
     * gets an `~open` suffix: a second edit in the same minute keeps the same `last_edited_time`, so
     * the plain stamp would let the engine skip it forever; the suffixed one differs from the next
     * listing's stamp, so the page is fetched once more after the minute is over.
     */
    async fetch(ref, signal): Promise<Item | null> {
      let page: NotionPage
      let blocks: NotionBlock[]
      try {
        page = parse(PageSchema, await call(`/v1/pages/${encodeURIComponent(ref.id)}`, {}, signal), 'page')
        if (page.archived || page.in_trash) return null
        blocks = await loadChildren(page.id, new Set(), signal)
      } catch (e) {
        if (hasCode(e, 'NOT_FOUND')) return null
        throw e
      }
      const own = options.audienceProperty ? pageAudience(page, options.audienceProperty) : undefined
      const edited = Date.parse(page.last_edited_time)
      const open = now().getTime() < edited + OPEN_MINUTE_MS
      const location = locationOf(page)
      return {
        id: page.id,
        version: open ? `${page.last_edited_time}~open` : page.last_edited_time,
        title: titleOf(page),
        url: page.url,
        updatedAt: new Date(edited),
        ...(page.last_edited_by ? { author: page.last_edited_by.id } : {}),
        ...(own ? { audience: own } : audience ? { audience: [...audience] } : {}),
        ...(location ? { location } : {}),
        markdown: blocksToMarkdown(blocks),
      }
    },

    /**
     * Every non-archived page id, each source listed to its end (oldest first, so a page edited while
     * we list moves behind us and is still seen). Any failed request throws: never a partial set.
     */
    async liveIds(signal) {
      const ids = new Set<string>()
      for (const source of sources) {
        for (const target of await targetsOf(source, signal)) {
          for await (const pages of listPages(target, 'ascending', signal)) {
            for (const page of pages) if (!page.archived && !page.in_trash) ids.add(page.id)
          }
        }
      }
      return ids
    },
  }
}

function toRef(page: NotionPage): ItemRef {
  const ref: ItemRef = {
    id: page.id,
    version: page.last_edited_time,
    updatedAt: new Date(page.last_edited_time),
  }
  if (page.archived || page.in_trash) ref.deleted = true
  return ref
}

/** The page's `title` property (every page has exactly one), as Notion's UI shows an empty one. */
function titleOf(page: NotionPage): string {
  const title = Object.values(page.properties).find((p) => p.type === 'title')?.title ?? []
  return plainText(title).trim() || 'Untitled'
}

const SelectOption = z.object({ name: z.string() })
const AudienceValue = z.discriminatedUnion('type', [
  z.object({ type: z.literal('select'), select: SelectOption.nullable() }),
  z.object({ type: z.literal('multi_select'), multi_select: z.array(SelectOption) }),
])

/**
 * The audience a page's property names (option names, lower-cased); undefined when the page has
 * no such property or it is empty. A property of another type is a configuration error: reading
 * it as "no audience" would open the page to the source's readers.
 */
function pageAudience(page: NotionPage, property: string): string[] | undefined {
  const raw = page.properties[property]
  if (raw === undefined) return undefined
  const parsed = AudienceValue.safeParse(raw)
  if (!parsed.success) {
    throw new ConnectorError(
      'CONFIG',
      `Notion: the audience property "${property}" is a ${raw.type}, not a select or multi-select`,
    )
  }
  const v = parsed.data
  const names = v.type === 'select' ? (v.select ? [v.select.name] : []) : v.multi_select.map((o) => o.name)
  const audience = [...new Set(names.map((n) => n.trim().toLowerCase()).filter(Boolean))].sort()
  return audience.length ? audience : undefined
}

function locationOf(page: NotionPage): string | undefined {
  const p = page.parent
  if (!p) return undefined
  if (p.type === 'database_id' && p.database_id) return `database ${p.database_id}`
  if (p.type === 'data_source_id') return `database ${p.database_id ?? p.data_source_id}`
  if (p.type === 'page_id' && p.page_id) return `page ${p.page_id}`
  if (p.type === 'block_id' && p.block_id) return `block ${p.block_id}`
  return p.type
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw new ConnectorError('BAD_RESPONSE', `Notion: unexpected ${what}: ${z.prettifyError(result.error)}`)
}

// By `code`, not `instanceof`: bundles may hold two copies of the class.
function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code
}
