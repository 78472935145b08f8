import { z } from 'zod'
import { ConnectorError } from '../connector'
import { requestJson } from './http'

/**
 * The Confluence Cloud REST API v2 as the connector uses it: Basic auth with an Atlassian account
 * email and API token, minimal schemas of the fields we read, and cursor pagination through
 * `_links.next` (a URL relative to the site, `/wiki/api/v2/…?cursor=…`; the same URL is in the
 * `Link` header, which `requestJson` does not surface). Edge-safe: `fetch`, `btoa`, `TextEncoder`.
 */
export interface ConfluenceClientOptions {
  /**
   * The site, `https://acme.atlassian.net` (`…/wiki` is fine too), or, for a scoped API token,
   * Atlassian's gateway `https://api.atlassian.com/ex/confluence/{cloudId}`.
   */
  baseUrl: string
  email: string
  apiToken: string
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
}

/** Ids are strings in v2; older responses and `serialize-ids-as-strings=false` send numbers. */
const id = z.union([z.string(), z.number()]).transform(String)
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date-time')

/** `PageBulk` / `PageSingle`: the fields we read. */
export const pageSchema = z.object({
  id,
  status: z.string(),
  title: z.string(),
  spaceId: id,
  parentId: id.nullish(),
  authorId: z.string().nullish(),
  version: z.object({ number: z.number(), createdAt: timestamp }),
  body: z.object({ storage: z.object({ value: z.string() }).optional() }).optional(),
  _links: z.object({ webui: z.string().optional(), base: z.string().optional() }).optional(),
})
export type ConfluencePage = z.infer<typeof pageSchema>

/** `SpaceBulk`: the fields we read. */
export const spaceSchema = z.object({ id, key: z.string(), name: z.string().optional() })
export type ConfluenceSpace = z.infer<typeof spaceSchema>

/** `Label`: the fields we read. */
export const labelSchema = z.object({ name: z.string() })

/** An ancestor of a page (`GET /wiki/api/v2/pages/{id}/ancestors`). */
export const ancestorSchema = z.object({ id })

/**
 * `ContentRestriction` for the `read` operation (REST v1,
 * `/wiki/rest/api/content/{id}/restriction/byOperation/read`): who may view the content, when
 * anyone is named; no one named means no restriction at this level.
 */
export const readRestrictionSchema = z.object({
  restrictions: z
    .object({
      user: z.object({ results: z.array(z.unknown()) }).optional(),
      group: z.object({ results: z.array(z.object({ name: z.string() })) }).optional(),
    })
    .optional(),
})

/**
 * A space permission assignment (`GET /wiki/api/v2/spaces/{id}/permissions`): who (a user, a
 * group, or another kind of principal) may do what (`read` on `space` is viewing it).
 */
export const spacePermissionSchema = z.object({
  principal: z.object({ type: z.string(), id: id.nullish() }).nullish(),
  operation: z.object({ key: z.string(), targetType: z.string().nullish() }).nullish(),
})

/** A group (REST v1 `GET /wiki/rest/api/group/by-id?id=…`): the name restrictions and people use. */
export const groupSchema = z.object({ name: z.string() })

export interface ConfluenceClient {
  /** The API's root: the site's origin, or the gateway's `…/ex/confluence/{cloudId}`. */
  readonly site: string
  /** GETs `path` (`/wiki/api/v2/…` with its query) and checks it against `schema`. */
  get<T extends z.ZodType>(path: string, schema: T, signal?: AbortSignal): Promise<z.infer<T>>
  /** Every page of a `MultiEntityResult` list, following `_links.next` until it is absent. */
  list<T extends z.ZodType>(path: string, item: T, signal?: AbortSignal): AsyncGenerator<z.infer<T>[]>
}

/** A client for one site and one set of credentials; it never sends them to another origin. */
export function createConfluenceClient(o: ConfluenceClientOptions): ConfluenceClient {
  const { origin, prefix } = siteRoot(o.baseUrl)
  const site = `${origin}${prefix}`
  const authorization = `Basic ${base64(`${o.email}:${o.apiToken}`)}`

  async function get<T extends z.ZodType>(path: string, schema: T, signal?: AbortSignal) {
    // Paths (ours and `_links.next`) are site-relative (`/wiki/api/v2/…`); through the gateway
    // they go under its prefix, unless a link already carries it.
    const url = new URL(
      prefix && path.startsWith('/') && !path.startsWith(`${prefix}/`) ? `${prefix}${path}` : path,
      `${origin}/`,
    )
    // `_links.next` comes from the response: a link to another host must not get our token.
    if (url.origin !== origin) {
      throw new ConnectorError('BAD_RESPONSE', `Confluence sent a link to another site: ${url.origin}`)
    }
    const json = await requestJson<unknown>(
      url.href,
      { headers: { authorization } },
      { fetch: o.fetch, sleep: o.sleep, signal },
    )
    const parsed = schema.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue?.path.join('.') || 'body'
      throw new ConnectorError('BAD_RESPONSE', `GET ${url.pathname}: ${where}: ${issue?.message}`)
    }
    return parsed.data as z.infer<T>
  }

  async function* list<T extends z.ZodType>(path: string, item: T, signal?: AbortSignal) {
    const page = z.object({
      results: z.array(item),
      _links: z.object({ next: z.string().nullish() }).optional(),
    })
    let next: string | null | undefined = path
    const seen = new Set<string>()
    while (next) {
      // A server that hands back a link it already gave would otherwise loop for ever.
      if (seen.has(next)) throw new ConnectorError('BAD_RESPONSE', `Confluence repeated the page ${next}`)
      seen.add(next)
      const body: z.infer<typeof page> = await get(next, page, signal)
      yield body.results as z.infer<T>[]
      next = body._links?.next
      // REST v1 writes its next links relative to the `/wiki` context (`/rest/api/…`).
      if (next?.startsWith('/rest/api/')) next = `/wiki${next}`
    }
  }

  return { site, get, list }
}

function siteRoot(baseUrl: string): { origin: string; prefix: string } {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new ConnectorError('CONFIG', `Confluence baseUrl is not a URL: ${JSON.stringify(baseUrl)}`)
  }
  // A site's own paths are dropped (`…/wiki`); the gateway's `/ex/confluence/{cloudId}` is kept.
  const gateway = /^\/ex\/confluence\/[^/]+/.exec(url.pathname)
  return { origin: url.origin, prefix: gateway ? gateway[0] : '' }
}

/** UTF-8 safe: `btoa` alone throws on characters outside Latin-1. */
function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
}
