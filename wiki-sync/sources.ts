import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import type { Connector } from './connector'
import { ConnectorError } from './connector'
import { createConfluenceConnector } from './connectors/confluence'
import { createNotionConnector } from './connectors/notion'

/**
 * Wiki sources: a sources file (YAML or JSON, `policybot sync --sources FILE`) and/or rows in
 * `sync_sources` (what the Worker's cron reads). Settings only; the secrets are named by
 * `tokenEnv` and read from the environment (Worker secrets or the shell). Edge-safe: the git
 * connector, which runs `git`, is created by `node-sources.ts`.
 */
const common = {
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'letters, digits, "_" and "-" (at most 64)'),
  /**
   * Who may read the source's pages that name no audience of their own (a page that names one
   * is for that audience only); empty means everyone.
   */
  audience: z.array(z.string()).default([]),
  /**
   * The largest share of the source's indexed pages one run may prune (0.2: a fifth). More stops
   * the run before deleting anything (a typo in `paths` must not empty the index);
   * `policybot sync --allow-mass-delete` goes ahead once.
   */
  maxDeleteShare: z.number().min(0).max(1).default(0.2),
}

const GitSource = z.strictObject({
  ...common,
  kind: z.literal('git'),
  /** A local repository or a clone URL. */
  repo: z.string().min(1),
  branch: z.string().optional(),
  paths: z.array(z.string()).default([]),
  urlTemplate: z.string().optional(),
})

const ConfluenceSource = z.strictObject({
  ...common,
  kind: z.literal('confluence'),
  baseUrl: z.url(),
  email: z.string().min(3),
  spaceKeys: z.array(z.string().min(1)).min(1),
  labels: z.array(z.string()).optional(),
  tokenEnv: z.string().default('CONFLUENCE_API_TOKEN'),
})

const NotionSource = z.strictObject({
  ...common,
  kind: z.literal('notion'),
  baseUrl: z.url().optional(),
  databaseIds: z.array(z.string()).optional(),
  tokenEnv: z.string().default('NOTION_TOKEN'),
  /** Every this many hours a run lists every page, not only recent edits (search lags). */
  fullListingHours: z.number().positive().default(24),
  /** A select or multi-select property of database pages naming who may read each page. */
  audienceProperty: z.string().min(1).optional(),
})

export const SourceSchema = z.discriminatedUnion('kind', [GitSource, ConfluenceSource, NotionSource])
export type SourceConfig = z.infer<typeof SourceSchema>

const FileSchema = z.strictObject({ sources: z.array(SourceSchema) })

/** Parses a sources file; every problem named by its field (`sources[1].spaceKeys: …`). */
export function parseSources(text: string, origin = 'sources file'): SourceConfig[] {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (e) {
    throw new ConnectorError('CONFIG', `${origin}: not valid YAML/JSON: ${(e as Error).message}`)
  }
  const parsed = FileSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) =>
        `${i.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '')}: ${i.message}`,
    )
    throw new ConnectorError('CONFIG', `${origin} is invalid:\n  ${issues.join('\n  ')}`)
  }
  const names = new Set<string>()
  for (const s of parsed.data.sources) {
    if (names.has(s.name)) throw new ConnectorError('CONFIG', `${origin}: source "${s.name}" is listed twice`)
    names.add(s.name)
  }
  return parsed.data.sources
}

/** A stored source's settings (from `sync_sources.config`), validated the same way. */
export function storedSource(name: string, kind: string, config: Record<string, unknown>): SourceConfig {
  const parsed = SourceSchema.safeParse({ ...config, name, kind })
  if (!parsed.success) {
    throw new ConnectorError(
      'CONFIG',
      `source "${name}": stored settings are invalid: ${parsed.error.issues[0]?.message}`,
    )
  }
  return parsed.data
}

export interface ConnectorDeps {
  env: Readonly<Record<string, string | undefined>>
  fetch?: typeof fetch
  /** Where a connector tells what the admin should know (a Confluence space's viewer groups). */
  log?: (line: string) => void
}

/** The connector of a Confluence or Notion source (edge-safe); git sources need `node-sources.ts`. */
export function createRemoteConnector(source: SourceConfig, deps: ConnectorDeps): Connector {
  const secret = (name: string) => {
    const v = deps.env[name]
    if (!v)
      throw new ConnectorError(
        'CONFIG',
        `source "${source.name}": set ${name} (its API token) in the environment`,
      )
    return v
  }
  const f = deps.fetch ? { fetch: deps.fetch } : {}
  switch (source.kind) {
    case 'confluence':
      return createConfluenceConnector({
        baseUrl: source.baseUrl,
        email: source.email,
        apiToken: secret(source.tokenEnv),
        spaceKeys: source.spaceKeys,
        ...(source.labels ? { labels: source.labels } : {}),
        ...(source.audience.length ? { audience: source.audience } : {}),
        ...(deps.log ? { log: deps.log } : {}),
        ...f,
      })
    case 'notion':
      // Notion's API does not say whom a page is shared with: say what that means, every run.
      if (!source.audience.length && !source.audienceProperty) {
        deps.log?.(
          "Notion does not tell an integration whom a page is shared with: these pages answer everyone; set the source's audience or audienceProperty to narrow them",
        )
      }
      return createNotionConnector({
        token: secret(source.tokenEnv),
        ...(source.baseUrl ? { baseUrl: source.baseUrl } : {}),
        ...(source.databaseIds ? { databaseIds: source.databaseIds } : {}),
        ...(source.audience.length ? { audience: source.audience } : {}),
        ...(source.audienceProperty ? { audienceProperty: source.audienceProperty } : {}),
        fullListingMs: source.fullListingHours * 3600_000,
        ...f,
      })
    case 'git':
      throw new ConnectorError(
        'CONFIG',
        `source "${source.name}": git sources sync from Node (policybot sync)`,
      )
  }
}

/** The settings stored with a source: everything but its name and kind. */
export function sourceSettings(source: SourceConfig): Record<string, unknown> {
  const { name: _n, kind: _k, ...rest } = source
  return rest
}
