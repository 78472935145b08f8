import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PGlite } from '@electric-sql/pglite'
import { type StreamRelay, startDingTalkStreamRelay } from '../../../bots/dingtalk/stream-relay'
import { type SocketModeBridge, startSocketModeBridge } from '../../../bots/slack/socket-mode'
import { WORKER_VARIABLES } from '../../config'
import { type LocalEndpoint, startLocalEndpoint } from '../../db/local/endpoint'
import { PolicybotError } from '../../errors'
import { indexStats } from '../../knowledge/stats'
import type { Context } from '../context'
import { formatDevVars } from '../dev-vars'
import type { Output } from '../output'
import { assertPortFree, freePort } from '../ports'
import { ingestCommand } from './ingest'

/** The bundled sample handbook, ingested on the first start of an empty embedded database. */
export const SAMPLE_HANDBOOK = fileURLToPath(new URL('../../../test/fixtures/handbook/docs', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * The Worker's variables `policybot start` passes through from the environment (and .dev.vars):
 * all of them (workers/config.ts), except those the local stack sets itself.
 */
export const PASSED_VARS = WORKER_VARIABLES.filter(
  (k) => k !== 'DATABASE_URL' && k !== 'POLICYBOT_NEON_WSPROXY' && k !== 'CONSOLE_LOCAL_TOKEN',
)

/** The local console's sign-in: a link for the browser, a token for scripts (`Authorization: Bearer`). */
export interface LocalConsole {
  signIn: string
  token: string
}

export interface StartOptions {
  /** Environment merged with .dev.vars (environment winning). */
  env: Record<string, string | undefined>
  out: Output
  /** Resolves when the stack should stop (default: SIGINT or SIGTERM). */
  stopped?: Promise<void>
  /** Called once the stack serves requests (tests), with the console's sign-in when it is on. */
  onReady?: (url: string, console?: LocalConsole) => void
}

/**
 * `policybot start` (`npm start`): the product on the embedded default. The data directory's
 * database is served as a local Neon-compatible endpoint, `wrangler dev` runs the Worker against
 * it on 127.0.0.1:PORT with the web page and console on, and an empty database first gets the
 * sample handbook. Returns when stopped; throws with a clear message when the port is taken.
 */
export async function startCommand(ctx: Context, options: StartOptions): Promise<void> {
  const { out } = options
  const port = ctx.config.workerPort
  await assertPortFree(port)
  const inspectorPort = await freePort()

  let endpoint: LocalEndpoint | undefined
  let database: { url: string; wsProxy?: string }
  if (ctx.config.database) {
    database = ctx.config.database
  } else {
    const client = (ctx.database as { client?: PGlite }).client
    if (!client) throw new PolicybotError('CONFIG_INVALID', 'The embedded database is not open')
    if ((await indexStats(ctx.database.db)).documents === 0) {
      out.progress(`First start: ingesting the sample handbook (${SAMPLE_HANDBOOK})…`)
      const r = await ingestCommand(ctx, [SAMPLE_HANDBOOK], out)
      const chunks = r.results.reduce((n, x) => n + x.chunks, 0)
      out.progress(
        `Ingested ${r.results.length} sample documents (${chunks} chunks) in ${r.seconds.toFixed(1)} s.`,
      )
    }
    endpoint = await startLocalEndpoint(client)
    database = { url: endpoint.connectionString, wsProxy: endpoint.wsProxy }
  }

  // The Worker's variables go in a private env file, not on the command line where `ps` shows them.
  const stateDir = join(ctx.config.dataDir, 'worker')
  mkdirSync(stateDir, { recursive: true })
  const envFile = join(stateDir, 'worker.env')
  const vars: Record<string, string> = {}
  for (const k of PASSED_VARS) if (options.env[k]) vars[k] = options.env[k] as string
  // Socket Mode: the bridge signs what it forwards; without a signing secret, a local one will do.
  const socketMode = !!(options.env.SLACK_APP_TOKEN && options.env.SLACK_BOT_TOKEN)
  if (socketMode && !vars.SLACK_SIGNING_SECRET) vars.SLACK_SIGNING_SECRET = randomBytes(24).toString('hex')
  Object.assign(vars, {
    DATABASE_URL: database.url,
    ...(database.wsProxy ? { POLICYBOT_NEON_WSPROXY: database.wsProxy } : {}),
  })
  // The console is on unless the environment says WEB_CONSOLE=off; locally its one admin signs in
  // with a link holding a secret made anew at every start (a page elsewhere cannot guess it).
  vars.WEB_CONSOLE = options.env.WEB_CONSOLE === 'off' ? 'off' : 'on'
  const consoleToken = randomBytes(24).toString('base64url')
  if (vars.WEB_CONSOLE === 'on' && !vars.CONSOLE_AUTH) vars.CONSOLE_AUTH = 'local'
  if (vars.CONSOLE_AUTH === 'local') vars.CONSOLE_LOCAL_TOKEN = consoleToken
  writeFileSync(envFile, `${formatDevVars(vars)}\n`, { mode: 0o600 })
  chmodSync(envFile, 0o600)

  const wrangler = spawnWrangler(port, inspectorPort, envFile, stateDir, out)
  const url = `http://127.0.0.1:${port}/`
  let bridge: SocketModeBridge | undefined
  // DingTalk Stream mode: the relay holds DingTalk's socket and feeds the Worker's HTTP route.
  const dingtalkStream = !!(
    options.env.DINGTALK_STREAM === 'on' &&
    vars.DINGTALK_APP_KEY &&
    vars.DINGTALK_APP_SECRET
  )
  let relay: StreamRelay | undefined
  let cron: ReturnType<typeof setInterval> | undefined
  try {
    await waitReady(url, wrangler)
    if (socketMode) {
      bridge = await startSocketModeBridge({
        appToken: options.env.SLACK_APP_TOKEN as string,
        signingSecret: vars.SLACK_SIGNING_SECRET as string,
        workerUrl: url,
        ...(options.env.SLACK_API_URL ? { apiUrl: options.env.SLACK_API_URL } : {}),
        log: (m) => out.progress(m),
      })
    }
    if (dingtalkStream) {
      relay = startDingTalkStreamRelay({
        clientId: vars.DINGTALK_APP_KEY as string,
        clientSecret: vars.DINGTALK_APP_SECRET as string,
        workerUrl: url,
        ...(options.env.DINGTALK_GATEWAY_URL ? { gatewayUrl: options.env.DINGTALK_GATEWAY_URL } : {}),
        log: (m) => out.progress(m),
      })
    }
    // wrangler dev runs no Cron Triggers by itself: the local stack fires the Worker's cron (the
    // sweep, reminders, parked-job notices, wiki sync) every POLICYBOT_CRON_SECONDS.
    const cronMs = Number(options.env.POLICYBOT_CRON_SECONDS ?? 300) * 1000
    if (cronMs > 0) {
      cron = setInterval(() => {
        fetch(`${url}__scheduled?cron=${encodeURIComponent('*/30 * * * *')}`).catch((e: unknown) =>
          out.progress(`cron tick failed: ${e instanceof Error ? e.message : String(e)}`),
        )
      }, cronMs)
      cron.unref()
    }
    const stats = await indexStats(ctx.database.db)
    const local =
      vars.WEB_CONSOLE === 'on' && vars.CONSOLE_AUTH === 'local'
        ? { signIn: `${url}login?token=${consoleToken}`, token: consoleToken }
        : undefined
    options.onReady?.(url, local)
    out.result(nextSteps(url, stats.documents, ctx, database, options.env, socketMode, local))
    await Promise.race([
      options.stopped ?? signal(),
      exited(wrangler).then(() => {
        throw new PolicybotError('WORKER_EXITED', 'wrangler dev stopped unexpectedly (see its output above).')
      }),
    ])
  } finally {
    clearInterval(cron)
    await bridge?.stop().catch(() => {})
    await relay?.stop().catch(() => {})
    await stop(wrangler)
    await endpoint?.close()
  }
}

function nextSteps(
  url: string,
  documents: number,
  ctx: Context,
  database: { url: string; wsProxy?: string },
  env: Record<string, string | undefined>,
  socketMode: boolean,
  local: LocalConsole | undefined,
): string {
  const ingest = database.wsProxy
    ? `DATABASE_URL=${database.url} POLICYBOT_NEON_WSPROXY=${database.wsProxy} npx policybot ingest ./handbooks`
    : 'npx policybot ingest ./handbooks'
  const slack = socketMode
    ? 'Slack: connected over Socket Mode (SLACK_APP_TOKEN): mention the bot or DM it.'
    : env.SLACK_SIGNING_SECRET
      ? `Slack: POST ${url}slack/events is live (HTTP events; expose it with a tunnel, see README).`
      : 'Slack: not configured. Put SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) in .dev.vars (README "Slack").'
  if (!local)
    return [
      `policybot is running at ${url} (the web console is off: WEB_CONSOLE=off)`,
      `  data: ${ctx.config.database ? 'DATABASE_URL' : ctx.config.dataDir} (${documents} documents)`,
      `  Add documents while it runs: ${ingest}`,
      `  ${slack}`,
      'Ctrl-C stops it.',
    ].join('\n')
  // One address to open: the sign-in link. Everything else (asking, escalations, approved answers,
  // adding documents) is on the page; scripts and the CLI come second.
  return [
    'policybot is running. Open this link (it signs you in as the local admin; it changes at every start):',
    '',
    `    ${local.signIn}`,
    '',
    `  Ask, decide escalations, manage approved answers, and add documents (Documents) from that page.`,
    `  data: ${ctx.config.database ? 'DATABASE_URL' : ctx.config.dataDir} (${documents} documents)`,
    `  ${slack}`,
    `  For scripts: send 'Authorization: Bearer ${local.token}' to ${url}api/…; from a shell while it runs: ${ingest}`,
    'Ctrl-C stops it.',
  ].join('\n')
}

function spawnWrangler(port: number, inspectorPort: number, envFile: string, stateDir: string, out: Output) {
  // The package exports no bin subpath; its package.json is exported and the bin sits beside it.
  const bin = join(
    dirname(createRequire(import.meta.url).resolve('wrangler/package.json')),
    'bin',
    'wrangler.js',
  )
  const child = spawn(
    process.execPath,
    [
      bin,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      String(inspectorPort),
      '--env-file',
      envFile,
      '--persist-to',
      join(stateDir, 'state'),
      '--show-interactive-dev-session=false',
      // Exposes /__scheduled on the loopback port, where the cron ticks above are sent.
      '--test-scheduled',
      '--log-level',
      'warn',
    ],
    {
      cwd: ROOT,
      // Its own process group, so stopping it stops workerd too.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        WRANGLER_SEND_ERROR_REPORTS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME ?? join(ROOT, '.xdg'),
      },
    },
  )
  const relay = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) out.progress(`[worker] ${line}`)
  }
  child.stdout?.on('data', relay)
  child.stderr?.on('data', relay)
  return child
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    if (hasExited(child))
      throw new PolicybotError(
        'WORKER_EXITED',
        'wrangler dev exited before it was ready (see its output above).',
      )
    try {
      const res = await fetch(`${url}healthz`)
      if (res.ok) return
    } catch {}
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new PolicybotError('WORKER_TIMEOUT', `wrangler dev was not ready after ${timeoutMs / 1000} s.`)
}

/**
 * Whether a child has ended: with an exit code, or killed by a signal (then its `exitCode` stays
 * null and only `signalCode` says so; waiting for an 'exit' that was already emitted hangs).
 */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Resolves when the child has ended, also when it already had. */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (hasExited(child)) resolve()
    else child.once('exit', () => resolve())
  })
}

/** Stops a child and its process group: SIGTERM, then SIGKILL after 5 s. */
export async function stop(child: ChildProcess): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return
  const group = -child.pid
  try {
    process.kill(group, 'SIGTERM')
  } catch {}
  const done = await Promise.race([
    exited(child).then(() => true),
    new Promise((r) => setTimeout(() => r(false), 5000)),
  ])
  if (!done) {
    try {
      process.kill(group, 'SIGKILL')
    } catch {}
    await exited(child)
  }
}

function signal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
}
