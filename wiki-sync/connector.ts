/**
 * The shape every wiki connector has. A connector knows one remote (a git repository, a Confluence
 * space, a Notion workspace) and nothing of the database: the sync engine (`engine.ts`) decides
 * what to fetch, store and delete. Edge-safe connectors (Confluence, Notion) use only `fetch` and
 * run in the Worker's queue consumer as well as in Node; the git connector is Node-only.
 */

/** One item as a change feed lists it: cheap, no body. */
export interface ItemRef {
  /** Stable identity across renames and moves (a page id; for git, the file path). */
  id: string
  /**
   * The source's own version stamp (Confluence version number, Notion `last_edited_time`, git blob
   * id). The engine skips the fetch when it equals the stamp it stored, so re-listing is cheap.
   */
  version: string
  updatedAt: Date
  /** Set when the source reports a rename or move from another id (git `R` status). */
  previousId?: string
  /** The feed itself says the item is gone (trashed, archived, deleted). */
  deleted?: boolean
}

/** One item, fetched: its text as Markdown and what the index shows about it. */
export interface Item {
  id: string
  version: string
  title: string
  url?: string
  updatedAt: Date
  author?: string
  /** Who may read it (lower-case group names); empty or absent means everyone. */
  audience?: string[]
  labels?: string[]
  /** Where it sits in the source (space › parent › page, or a path), for display. */
  location?: string
  /** The body as Markdown, without front matter (the engine writes that). */
  markdown: string
}

/** One page of a change feed. */
export interface ChangePage {
  items: ItemRef[]
  /**
   * A cursor from which a later run may resume without missing anything, when this page is a
   * safe checkpoint (ascending feeds); the last page of a feed always carries the new cursor.
   */
  cursor?: string
}

export interface Connector {
  /** `git`, `confluence`, `notion`: the documents' `source_kind`. */
  readonly kind: string
  /**
   * Items changed since `cursor` (everything when undefined), in pages. Items already stored with
   * the same `version` cost nothing, so a feed may repeat items (e.g. after a crash).
   */
  changes(cursor: string | undefined, signal?: AbortSignal): AsyncIterable<ChangePage>
  /** One item, or null when it no longer exists or is no longer visible to our credentials. */
  fetch(ref: ItemRef, signal?: AbortSignal): Promise<Item | null>
  /**
   * Every live item id our credentials can see, for pruning. Throws rather than returning a
   * partial list: a missing id deletes its page from the index.
   */
  liveIds(signal?: AbortSignal): Promise<Set<string>>
  /** Frees what the connector holds (a `git cat-file` process); called at the end of each run. */
  close?(): void | Promise<void>
}

/** Why a connector call failed: `code` is stable; `retryable` errors failed after retries. */
export type ConnectorErrorCode =
  | 'AUTH'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'UPSTREAM'
  | 'BAD_RESPONSE'
  | 'CONFIG'

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError' as const
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** Narrowing by name and code, not class identity. */
export function isConnectorError(e: unknown): e is ConnectorError {
  return e instanceof Error && e.name === 'ConnectorError'
}
