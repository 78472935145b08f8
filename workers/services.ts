import { createDingTalkApi, type DingTalkApi } from '../bots/dingtalk/api'
import { openPlatforms } from '../bots/index'
import { createSlackApi, type SlackApi } from '../bots/slack/api'
import { type BotConnector, createBotConnector } from '../bots/teams/connector'
import type { ChatModel } from './answering/chat-model'
import { type WorkerConfig, workerConfig } from './config'
import type { Db } from './db/client'
import { openNeon } from './db/neon'
import type { Env } from './env'
import { createLocalEmbedder } from './knowledge/embed/local'
import { createOpenAIEmbedder } from './knowledge/embed/openai'
import type { Embedder } from './knowledge/embed/types'
import type { Platforms } from './platform'
import { type RateBudget, rateBudgetOf } from './rate-budget'
import { createFleet, type Fleet } from './runners/fleet'

/** What one Worker invocation works with; opened per request or queue batch, then closed. */
export interface Services {
  config: WorkerConfig
  env: Env
  db: Db
  embedder: Embedder
  /** The base model, routed across the runners; absent without a runner. */
  chat?: ChatModel
  /** The runners generation goes to (health, adapter-aware routing, failover). */
  fleet?: Fleet
  slack?: SlackApi
  dingtalk?: DingTalkApi
  teams?: BotConnector
  /** Per-workspace request budgets shared across invocations (absent in Node tools). */
  budget?: RateBudget
  /** The configured chat platforms, as the core uses them (replies, admin places, groups, files). */
  platforms: Platforms
  warn(message: string): void
  close(): Promise<void>
}

/**
 * Runs `fn` with one invocation's services; they are closed after the response (waitUntil), so
 * closing never delays it.
 */
export async function withServices<T>(
  env: Env,
  ctx: { waitUntil(promise: Promise<unknown>): void },
  fn: (svc: Services) => Promise<T>,
): Promise<T> {
  const svc = await openServices(env)
  try {
    return await fn(svc)
  } finally {
    ctx.waitUntil(svc.close())
  }
}

/**
 * Opens the services for one invocation. The database Pool is per invocation, as Workers
 * require (a socket cannot outlive the request that opened it); `close` ends it. A request
 * (`withServices`) sends each statement as one HTTP query and opens a socket only for a
 * transaction; `session` (queue batches, the cron) runs everything on one connection.
 */
export async function openServices(env: Env, options: { session?: boolean } = {}): Promise<Services> {
  const config = workerConfig(env)
  const database = openNeon({
    connectionString: config.databaseUrl,
    ...(config.wsProxy ? { wsProxy: config.wsProxy } : {}),
    httpQueries: config.httpQueries,
    ...(options.session ? { session: true } : {}),
  })
  const runner = config.runner
  const embedder =
    runner?.embeddingsModel !== undefined
      ? await createOpenAIEmbedder({
          baseURL: `${runner.url.replace(/\/$/, '')}/v1`,
          model: runner.embeddingsModel,
          ...(runner.token ? { apiKey: runner.token } : {}),
        })
      : createLocalEmbedder()
  const warn = (m: string) => console.warn(m)
  const fleet = config.runners.length ? createFleet(config.runners, { timeoutMs: 25_000, warn }) : undefined
  const chat = runner && fleet ? fleet.chat(runner.model) : undefined
  const slack = config.slack?.botToken
    ? createSlackApi({ token: config.slack.botToken, apiUrl: config.slack.apiUrl })
    : undefined
  const dingtalk = config.dingtalk ? createDingTalkApi(config.dingtalk) : undefined
  const teams = config.teams
    ? createBotConnector({
        appId: config.teams.appId,
        appPassword: config.teams.appPassword,
        loginUrl: config.teams.loginUrl,
        graphUrl: config.teams.graphUrl,
        ...(config.teams.tenant ? { tenant: config.teams.tenant } : {}),
      })
    : undefined
  const budget = rateBudgetOf(env.RATE_BUDGET, warn)
  const base: Omit<Services, 'platforms'> = {
    config,
    env,
    db: database.db,
    embedder,
    ...(chat ? { chat } : {}),
    ...(fleet ? { fleet } : {}),
    ...(slack ? { slack } : {}),
    ...(dingtalk ? { dingtalk } : {}),
    ...(teams ? { teams } : {}),
    ...(budget ? { budget } : {}),
    warn,
    close: () =>
      database.close().catch((e: unknown) => console.warn(`closing the database pool: ${String(e)}`)),
  }
  return { ...base, platforms: openPlatforms(base) }
}
