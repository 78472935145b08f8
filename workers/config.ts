import { z } from 'zod'
import { describeIssues } from '../bots/payload'
import { type AudienceRule, parseAudienceRules } from './audiences/rules'
import { type Department, parseDepartments } from './departments/departments'
import type { Env } from './env'
import { parseRunners, type RunnerEndpoint } from './runners/fleet'

/**
 * The Worker's configuration, parsed once per invocation from its bindings (wrangler vars,
 * secrets, `.dev.vars`). Nothing else reads `env`. A missing or bad value is reported with the
 * variable's name; an absent platform (no Slack token) simply turns that platform off.
 */
const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  )

/**
 * The Worker's variables and how each is read: the one list. `Env` (workers/env.ts) is typed
 * from it and `policybot start` passes exactly these through to the local Worker.
 */
const VARIABLES = {
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string'),
  POLICYBOT_NEON_WSPROXY: z.string().optional(),
  /**
   * `off` sends every statement over the WebSocket, for a Postgres proxy without Neon's HTTP
   * query endpoint; `on` (default) sends statements outside a transaction as one HTTP request.
   */
  POLICYBOT_NEON_HTTP: z.enum(['on', 'off']).default('on'),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_API_URL: z.url().default('https://slack.com/api/'),
  SLACK_ADMIN_CHANNEL: z.string().optional(),
  SLACK_BOT_USER_ID: z.string().optional(),
  /** The Slack workspaces (T…) and Enterprise Grid organisations (E…) served; empty: any that installed the app. */
  SLACK_TEAMS: list,
  POLICY_ADMINS: list,
  HANDBOOK_UPLOADERS: list,
  /**
   * Who belongs to which document audience (`managers = slack:group:S… teams:group:… dingtalk:dept:…`,
   * one audience per line or `;`): see workers/audiences/rules.ts. Without it, documents that name
   * an audience are answered to nobody.
   */
  AUDIENCES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseAudienceRules(v)
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message })
        return z.NEVER
      }
    }),
  RUNNER_URL: z.url().optional(),
  /**
   * Several GPU runners: URLs separated by spaces or commas (all with RUNNER_TOKEN), or a JSON
   * list of `{"url", "token"}`. Generation goes to the least busy one that serves the adapter,
   * failing over before any text was streamed. RUNNER_URL alone is a fleet of one.
   */
  RUNNERS: z.string().optional(),
  RUNNER_TOKEN: z.string().optional(),
  /** The base model's name on the runners; a department's adapter is asked as `MODEL:adapter`. */
  RUNNER_MODEL: z
    .string()
    .regex(/^[^:]+$/, 'must be a base model name (no ":adapter")')
    .default('default'),
  /**
   * Departments (JSON list of {name, adapter, channels, sources}): which channels and documents
   * belong to which department, and the adapter that answers for it (workers/departments).
   */
  DEPARTMENTS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      try {
        return parseDepartments(v)
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message })
        return z.NEVER
      }
    }),
  RUNNER_EMBEDDINGS_MODEL: z.string().optional(),
  ESCALATION_REMIND_HOURS: z.coerce.number().positive().default(4),
  /** Minutes a question may sit `queued` with no job trying it before the cron queues it again. */
  SWEEP_AFTER_MINUTES: z.coerce.number().positive().default(15),
  APPROVED_ANSWER_TTL_DAYS: z.coerce.number().positive().default(90),
  /**
   * Days a question's words are kept; the cron then erases them (and the asker's display name).
   * `off` keeps them for good.
   */
  QUESTION_RETENTION_DAYS: z.union([z.literal('off'), z.coerce.number().int().positive()]).default(365),
  /** Questions one person may ask per minute, and one workspace (team, tenant, organisation). */
  QUESTIONS_PER_USER_PER_MINUTE: z.coerce.number().int().positive().default(10),
  QUESTIONS_PER_WORKSPACE_PER_MINUTE: z.coerce.number().int().positive().default(300),
  POLICYBOT_ABSTAIN_BELOW: z.coerce.number().min(0).max(1).optional(),
  MAX_UPLOAD_MB: z.coerce.number().positive().max(100).default(20),
  /** `on` serves the web page and console API (`npm start` turns it on unless told `off`). */
  WEB_CONSOLE: z.enum(['on', 'off']).default('off'),
  /**
   * Who may use the console: `local` (one local admin, signed in with CONSOLE_LOCAL_TOKEN, on a
   * loopback address only: what `npm start` sets) or `access` (behind Cloudflare Access).
   */
  CONSOLE_AUTH: z.enum(['local', 'access']).optional(),
  /**
   * Bearer token for `GET /metrics` (Prometheus text: each wiki source's freshness); without it
   * the route does not exist.
   */
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The local console's sign-in secret (`npm start` makes a new one each start). */
  CONSOLE_LOCAL_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The name the local admin's decisions are recorded under. */
  WEB_ADMIN: z.string().default('web-admin'),
  /** Cloudflare Access: the team domain (https://TEAM.cloudflareaccess.com) and the application's AUD tag. */
  ACCESS_TEAM_DOMAIN: z
    .url()
    .regex(/^https?:\/\/[^/]+\/?$/, 'must be an origin such as https://acme.cloudflareaccess.com')
    .optional(),
  ACCESS_AUD: z.string().optional(),
  /** Key for the console's CSRF tokens behind Access (a random secret, `wrangler secret put`). */
  CONSOLE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Who may read the console behind Access besides admins and uploaders: emails or `*@domain`. */
  CONSOLE_VIEWERS: list,
  TEAMS_APP_ID: z.string().optional(),
  TEAMS_APP_PASSWORD: z.string().optional(),
  TEAMS_APP_TENANT_ID: z.string().optional(),
  /** `on` for a bot registered as multi-tenant (tokens from `botframework.com`); Azure creates single-tenant bots now. */
  TEAMS_LEGACY_MULTI_TENANT: z.enum(['on', 'off']).default('off'),
  TEAMS_TENANTS: list,
  TEAMS_LOGIN_URL: z.url().default('https://login.microsoftonline.com'),
  /** Microsoft Graph, read for the AAD groups AUDIENCES names (tests point it at a local server). */
  TEAMS_GRAPH_URL: z.url().default('https://graph.microsoft.com'),
  TEAMS_OPENID_METADATA: z.url().default('https://login.botframework.com/v1/.well-known/openidconfiguration'),
  TEAMS_ADMIN_CONVERSATION: z.string().optional(),
  TEAMS_SERVICE_URL: z.url().default('https://smba.trafficmanager.net/teams/'),
  DINGTALK_APP_KEY: z.string().optional(),
  DINGTALK_APP_SECRET: z.string().optional(),
  DINGTALK_ROBOT_CODE: z.string().optional(),
  DINGTALK_API_URL: z.url().default('https://api.dingtalk.com'),
  DINGTALK_SESSION_ORIGIN: z.url().default('https://oapi.dingtalk.com'),
  /** The admins' group (its openConversationId), where escalations are posted as ActionCards. */
  DINGTALK_ADMIN_CONVERSATION: z.string().optional(),
  DINGTALK_LOGIN_URL: z.url().default('https://login.dingtalk.com'),
  /** The Worker's public origin (https://…), for links back to it (the DingTalk approval page). */
  PUBLIC_URL: z
    .url()
    .regex(/^https?:\/\/[^/]+\/?$/, 'must be an origin such as https://policybot.example.com')
    .optional(),
  /** Wiki sync secrets (the names a source's `tokenEnv` gives; these are the defaults). */
  CONFLUENCE_API_TOKEN: z.string().optional(),
  NOTION_TOKEN: z.string().optional(),
}

/** Names of the Worker's variables (besides its bindings). */
export type WorkerVariable = keyof typeof VARIABLES
export const WORKER_VARIABLES = Object.keys(VARIABLES) as WorkerVariable[]

const Schema = z
  .object(VARIABLES)
  .refine((e) => !e.TEAMS_APP_ID || e.TEAMS_APP_TENANT_ID || e.TEAMS_LEGACY_MULTI_TENANT === 'on', {
    path: ['TEAMS_APP_TENANT_ID'],
    message:
      "is needed with TEAMS_APP_ID: Azure creates single-tenant bots, whose tokens come from their own tenant (the Azure Bot's 'App tenant ID'); set TEAMS_LEGACY_MULTI_TENANT=on only for a bot registered as multi-tenant",
  })
  .refine((e) => e.WEB_CONSOLE !== 'on' || e.CONSOLE_AUTH, {
    path: ['CONSOLE_AUTH'],
    message:
      'is needed with WEB_CONSOLE=on: `access` behind Cloudflare Access, or `local` (npm start) for one local admin',
  })
  .refine((e) => e.CONSOLE_AUTH !== 'local' || e.CONSOLE_LOCAL_TOKEN, {
    path: ['CONSOLE_LOCAL_TOKEN'],
    message: 'is needed with CONSOLE_AUTH=local (the sign-in secret; npm start makes one)',
  })
  .refine(
    (e) =>
      e.CONSOLE_AUTH !== 'access' ||
      (e.ACCESS_TEAM_DOMAIN && e.ACCESS_AUD && e.CONSOLE_SECRET && e.PUBLIC_URL),
    {
      path: ['CONSOLE_AUTH'],
      message: '`access` needs ACCESS_TEAM_DOMAIN, ACCESS_AUD, CONSOLE_SECRET and PUBLIC_URL',
    },
  )
  .refine((e) => !e.DINGTALK_ADMIN_CONVERSATION || e.PUBLIC_URL, {
    path: ['PUBLIC_URL'],
    message: 'is needed with DINGTALK_ADMIN_CONVERSATION: the approval links point to it',
  })

export type WorkerConfig = Readonly<{
  databaseUrl: string
  wsProxy?: string
  /** One-shot statements over Neon's HTTP protocol. */
  httpQueries: boolean
  slack?: {
    signingSecret?: string
    botToken?: string
    apiUrl: string
    adminChannel?: string
    botUserId?: string
    /** Workspaces and Grid organisations served (empty: any); people of other organisations are refused. */
    teams: ReadonlySet<string>
  }
  /** User ids (Slack, Teams AAD, DingTalk staff) and Slack user-group ids (S…) allowed to decide escalations. */
  admins: { users: ReadonlySet<string>; groups: readonly string[] }
  uploaders: ReadonlySet<string>
  /** Who belongs to which document audience. */
  audiences: readonly AudienceRule[]
  /** The first runner (embeddings, the console's adapter view) and the base model's name. */
  runner?: { url: string; token?: string; model: string; embeddingsModel?: string }
  /** Every runner generation is routed across (RUNNERS, else RUNNER_URL); empty without one. */
  runners: readonly RunnerEndpoint[]
  departments: readonly Department[]
  remindHours: number
  sweepAfterMinutes: number
  approvedTtlDays: number
  questionRates: { perUser: number; perWorkspace: number }
  /** Days a question's words are kept; undefined: for good. */
  questionRetentionDays?: number
  abstainBelow?: number
  maxUploadBytes: number
  /** `GET /metrics`'s bearer token; absent: no metrics route. */
  metricsToken?: string
  /** The web console and who may use it; absent when WEB_CONSOLE is off. */
  console?: ConsoleConfig
  /** Microsoft Teams (Bot Framework), when the bot's app id and password are set. */
  teams?: {
    appId: string
    appPassword: string
    tenant?: string
    /** Tenants allowed to use the bot; empty means any. */
    tenants: ReadonlySet<string>
    loginUrl: string
    graphUrl: string
    openIdMetadata: string
    /** The admins' channel (its conversation id), where escalations are posted as cards. */
    adminConversation?: string
    /** Where a conversation the bot has not heard from yet is reached. */
    serviceUrl: string
  }
  /** DingTalk (HTTP callback mode), when its app key and secret are set. */
  dingtalk?: {
    appKey: string
    appSecret: string
    robotCode: string
    apiUrl: string
    sessionOrigin: string
    /** DingTalk's OAuth origin, where the approval page sends admins to sign in. */
    loginUrl: string
    /** Escalations go to this group; admins decide on the Worker's page at `consoleUrl`. */
    admin?: { conversation: string; consoleUrl: string }
  }
}>

/** The web console's sign-in: the one local admin, or Cloudflare Access in front of the Worker. */
export type ConsoleConfig =
  | { auth: 'local'; token: string; admin: string }
  | {
      auth: 'access'
      teamDomain: string
      aud: string
      secret: string
      origin: string
      viewers: readonly string[]
    }

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'CONFIG_INVALID'
}

const cache = new WeakMap<object, WorkerConfig>()

/** Parses the bindings; throws `ConfigError` naming every bad variable. */
export function workerConfig(env: Env): WorkerConfig {
  const hit = cache.get(env)
  if (hit) return hit
  const raw = Object.fromEntries(
    Object.entries(env).filter(([, v]) => typeof v === 'string' && v !== ''),
  ) as Record<string, string>
  const parsed = Schema.safeParse(raw)
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid Worker configuration: ${describeIssues(parsed.error)} (set them in wrangler.toml [vars], with \`wrangler secret put\`, or in .dev.vars)`,
    )
  }
  const e = parsed.data
  let runners: RunnerEndpoint[]
  try {
    runners = parseRunners(e.RUNNERS, e.RUNNER_URL, e.RUNNER_TOKEN)
  } catch (err) {
    throw new ConfigError(`Invalid Worker configuration: RUNNERS ${(err as Error).message}`)
  }
  const first = runners[0]
  const slack =
    e.SLACK_SIGNING_SECRET || e.SLACK_BOT_TOKEN
      ? {
          apiUrl: e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`,
          ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
          ...(e.SLACK_BOT_TOKEN ? { botToken: e.SLACK_BOT_TOKEN } : {}),
          ...(e.SLACK_ADMIN_CHANNEL ? { adminChannel: e.SLACK_ADMIN_CHANNEL } : {}),
          ...(e.SLACK_BOT_USER_ID ? { botUserId: e.SLACK_BOT_USER_ID } : {}),
          teams: new Set(e.SLACK_TEAMS),
        }
      : undefined
  const config: WorkerConfig = Object.freeze({
    databaseUrl: e.DATABASE_URL,
    ...(e.POLICYBOT_NEON_WSPROXY ? { wsProxy: e.POLICYBOT_NEON_WSPROXY } : {}),
    httpQueries: e.POLICYBOT_NEON_HTTP === 'on',
    ...(slack ? { slack } : {}),
    admins: {
      // Every listed id counts as a person (Teams AAD ids and DingTalk staff ids may start with
      // an S too); the ones shaped like Slack user-group ids are also read as groups.
      users: new Set(e.POLICY_ADMINS),
      groups: e.POLICY_ADMINS.filter((id) => /^(slack:)?S[0-9A-Z]{6,}$/.test(id)).map((id) =>
        id.replace(/^slack:/, ''),
      ),
    },
    uploaders: new Set(e.HANDBOOK_UPLOADERS),
    audiences: e.AUDIENCES,
    ...(first
      ? {
          runner: {
            url: first.url,
            model: e.RUNNER_MODEL,
            ...(first.token ? { token: first.token } : {}),
            ...(e.RUNNER_EMBEDDINGS_MODEL ? { embeddingsModel: e.RUNNER_EMBEDDINGS_MODEL } : {}),
          },
        }
      : {}),
    runners,
    departments: e.DEPARTMENTS,
    remindHours: e.ESCALATION_REMIND_HOURS,
    sweepAfterMinutes: e.SWEEP_AFTER_MINUTES,
    approvedTtlDays: e.APPROVED_ANSWER_TTL_DAYS,
    ...(e.QUESTION_RETENTION_DAYS !== 'off' ? { questionRetentionDays: e.QUESTION_RETENTION_DAYS } : {}),
    questionRates: {
      perUser: e.QUESTIONS_PER_USER_PER_MINUTE,
      perWorkspace: e.QUESTIONS_PER_WORKSPACE_PER_MINUTE,
    },
    ...(e.POLICYBOT_ABSTAIN_BELOW !== undefined ? { abstainBelow: e.POLICYBOT_ABSTAIN_BELOW } : {}),
    maxUploadBytes: Math.round(e.MAX_UPLOAD_MB * 2 ** 20),
    ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}),
    ...(e.WEB_CONSOLE === 'on' && e.CONSOLE_AUTH === 'local' && e.CONSOLE_LOCAL_TOKEN
      ? { console: { auth: 'local', token: e.CONSOLE_LOCAL_TOKEN, admin: e.WEB_ADMIN } as const }
      : {}),
    ...(e.WEB_CONSOLE === 'on' &&
    e.CONSOLE_AUTH === 'access' &&
    e.ACCESS_TEAM_DOMAIN &&
    e.ACCESS_AUD &&
    e.CONSOLE_SECRET &&
    e.PUBLIC_URL
      ? {
          console: {
            auth: 'access',
            teamDomain: e.ACCESS_TEAM_DOMAIN.replace(/\/$/, ''),
            aud: e.ACCESS_AUD,
            secret: e.CONSOLE_SECRET,
            origin: e.PUBLIC_URL.replace(/\/$/, ''),
            viewers: e.CONSOLE_VIEWERS,
          } as const,
        }
      : {}),
    ...(e.TEAMS_APP_ID && e.TEAMS_APP_PASSWORD
      ? {
          teams: {
            appId: e.TEAMS_APP_ID,
            appPassword: e.TEAMS_APP_PASSWORD,
            tenant: e.TEAMS_APP_TENANT_ID ?? 'botframework.com',
            tenants: new Set(e.TEAMS_TENANTS),
            loginUrl: e.TEAMS_LOGIN_URL,
            graphUrl: e.TEAMS_GRAPH_URL,
            openIdMetadata: e.TEAMS_OPENID_METADATA,
            ...(e.TEAMS_ADMIN_CONVERSATION ? { adminConversation: e.TEAMS_ADMIN_CONVERSATION } : {}),
            serviceUrl: e.TEAMS_SERVICE_URL,
          },
        }
      : {}),
    ...(e.DINGTALK_APP_KEY && e.DINGTALK_APP_SECRET
      ? {
          dingtalk: {
            appKey: e.DINGTALK_APP_KEY,
            appSecret: e.DINGTALK_APP_SECRET,
            robotCode: e.DINGTALK_ROBOT_CODE ?? e.DINGTALK_APP_KEY,
            apiUrl: e.DINGTALK_API_URL,
            sessionOrigin: e.DINGTALK_SESSION_ORIGIN,
            loginUrl: e.DINGTALK_LOGIN_URL,
            ...(e.DINGTALK_ADMIN_CONVERSATION && e.PUBLIC_URL
              ? {
                  admin: {
                    conversation: e.DINGTALK_ADMIN_CONVERSATION,
                    consoleUrl: e.PUBLIC_URL.replace(/\/$/, ''),
                  },
                }
              : {}),
          },
        }
      : {}),
  })
  cache.set(env, config)
  return config
}
