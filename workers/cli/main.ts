import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { isConnectorError } from '../../wiki-sync/connector'
import { sourceStatuses } from '../../wiki-sync/state'
import { answer } from '../answering/answer'
import { isPolicybotError, messageOf } from '../errors'
import { reindex } from '../knowledge/reindex'
import { indexStats } from '../knowledge/stats'
import { auditCommand, auditFilter } from './commands/audit'
import { evalCommand } from './commands/eval'
import { exportApprovedCommand } from './commands/export-approved'
import { ingestCommand } from './commands/ingest'
import { removeCommand } from './commands/remove'
import { rolloutCommand } from './commands/rollout'
import { runnersCommand } from './commands/runners'
import { serveCommand } from './commands/serve'
import { startCommand } from './commands/start'
import { removeSourceCommand, renderSources, syncCommand } from './commands/sync'
import { teamsPackage } from './commands/teams-package'
import { loadConfig } from './config'
import { type Context, openContext } from './context'
import { readDevVars } from './dev-vars'
import { type Output, processOutput } from './output'
import { answerJson, renderAnswer } from './render'

const USAGE = `policybot — answers employees' policy questions from your own documents, with sources.

Usage:
  policybot ingest <file-or-dir>...     Add or update documents (.md .html .pdf .docx .txt)
  policybot ask "<question>" [--json] [--audience A,B]
                                         Answer one question (from every document, or only
                                         from those for everyone and the audiences named)
  policybot eval --questions FILE [--k 5] [--out FILE]
                                         Answer a JSONL file of questions (id, question, previous)
  policybot remove <source-path>...      Take documents out of the index (paths as stats/ask show them)
  policybot reindex                      Re-embed chunks after a change of embedding model
  policybot stats [--json]               What the index holds
  policybot start                        The local stack (npm start): the Worker under wrangler dev
                                         on 127.0.0.1:$PORT (8787) over the embedded database
  policybot serve [--port 8788] [--audience A,B]
                                         Local web page and JSON API on 127.0.0.1 (Node only),
                                         answering from documents for everyone (and the
                                         audiences named)
  policybot export-approved [--out FILE] [--department NAME|none] [--audience A,B | --all-audiences]
                                         Approved answers as instruction-tuning JSONL
                                         (instruction, input, output) for LoRA training: those
                                         citing only documents for everyone, unless told more;
                                         --department: one department's (none: of no department)
  policybot sync [--source NAME] [--sources FILE] [--allow-mass-delete]
                                         Sync wiki sources (git, Confluence, Notion): only
                                         changed pages are re-embedded, deleted ones removed
  policybot sources [--json]             Each wiki source's freshness and last run
  policybot sources remove NAME [--yes]  Retire a source: its pages leave the index, the approved
                                         answers citing them are withdrawn (asks first)
  policybot audit [--since ISO] [--actor X] [--action A] [--limit N] [--json]
                                         Who did what, newest first (100 rows): decisions,
                                         uploads, replacements, removals, syncs, questions;
                                         --actor slack lists every Slack user
  policybot runners [--json]             Each GPU runner (RUNNER_URL, or RUNNERS: a list of URLs):
                                         models, generation, queue, adapters with their
                                         departments, adapters left out; exit 1 if one is down;
                                         with DEPARTMENTS, each department's model and canary
  policybot rollout [--json]             Each department's model and canary, compared (questions,
                                         escalated, helpful votes since the canary started)
  policybot rollout canary DEPT MODEL --percent N
                                         MODEL (base:adapter) answers N% (1-50) of DEPT's questions
  policybot rollout promote|rollback DEPT
                                         The canary answers all of them, or none; both audited
  policybot teams-package [--out FILE]   The Teams app package (manifest with TEAMS_APP_ID, icons)
                                         to upload in the Teams admin center

Options:
  --data DIR          Data directory (env POLICYBOT_DATA, default .policybot)
  --max-file-mb N     Largest file to ingest (env POLICYBOT_MAX_FILE_MB, default 50)
  -h, --help          This help

Environment: see README "Configuration" (chat model, embeddings endpoint, DATABASE_URL).`

/** Runs the CLI; resolves to the process exit code (0 ok, 1 some inputs failed, 2 usage/config). */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Output = processOutput,
): Promise<number> {
  let args: ReturnType<typeof parse>
  try {
    args = parse(argv)
  } catch (e) {
    out.progress(`${messageOf(e)}\n\n${USAGE}`)
    return 2
  }
  const [command, ...rest] = args.positionals
  if (args.values.help || !command || command === 'help') {
    out.result(USAGE)
    return command || args.values.help ? 0 : 2
  }
  const commands = [
    'ingest',
    'remove',
    'ask',
    'eval',
    'reindex',
    'stats',
    'serve',
    'start',
    'export-approved',
    'sync',
    'sources',
    'audit',
    'teams-package',
    'runners',
    'rollout',
  ]
  if (!commands.includes(command)) {
    out.progress(`Unknown command "${command}".\n\n${USAGE}`)
    return 2
  }
  if (command === 'ingest' && rest.length === 0)
    return usage(out, 'ingest needs at least one file or directory.')
  if (command === 'remove' && rest.length === 0)
    return usage(out, 'remove needs at least one stored source path.')
  if (command === 'ask' && !rest.join(' ').trim()) return usage(out, 'ask needs a question.')
  if (command === 'eval' && !args.values.questions) return usage(out, 'eval needs --questions FILE.')
  if (command === 'audit') {
    try {
      auditFilter(args.values)
    } catch (e) {
      return usage(out, messageOf(e))
    }
  }
  const k = args.values.k !== undefined ? Number(args.values.k) : 5
  if (!Number.isInteger(k) || k < 1 || k > 50) return usage(out, '--k must be a whole number from 1 to 50.')
  const port = args.values.port !== undefined ? Number(args.values.port) : undefined
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536))
    return usage(out, '--port must be a port number.')

  if (command === 'runners') {
    // The runners only: no database to open.
    const env2 = { ...readDevVars(join(process.cwd(), '.dev.vars')), ...definedOnly(env) }
    const code = await runnersCommand(env2, args.values.json === true, out)
    // The departments' models and canaries live in the database: shown when there are any.
    if (args.values.json || !env2.DEPARTMENTS?.trim()) return code
    let db: Context | undefined
    try {
      db = await openContext(loadConfig(env2, args.values.data ? { data: args.values.data } : {}))
      out.result('\nDepartments:')
      await rolloutCommand(db.database.db, env2, [], { json: false }, out)
    } catch (e) {
      out.result(`Departments: not shown (${messageOf(e)})`)
    } finally {
      await db?.close()
    }
    return code
  }
  if (command === 'teams-package') {
    try {
      const env2 = { ...readDevVars(join(process.cwd(), '.dev.vars')), ...definedOnly(env) }
      const p = await teamsPackage(env2, args.values.out ?? 'policybot-teams.zip')
      out.result(`Wrote ${p.path}: upload it in the Teams admin center (Manage apps → Upload).`)
      if (p.placeholders.length > 0)
        out.result(
          `Still the template's example values: ${p.placeholders.join(', ')} (set TEAMS_PUBLISHER, TEAMS_WEBSITE_URL, TEAMS_PRIVACY_URL, TEAMS_TERMS_URL).`,
        )
      return 0
    } catch (e) {
      out.progress(messageOf(e))
      return 2
    }
  }

  let ctx: Context | undefined
  try {
    // The local stack also reads .dev.vars (as wrangler does); the environment wins.
    if (command === 'start') env = { ...readDevVars(join(process.cwd(), '.dev.vars')), ...definedOnly(env) }
    const config = loadConfig(env, {
      ...(args.values.data ? { data: args.values.data } : {}),
      ...(args.values['max-file-mb'] !== undefined ? { maxFileMb: Number(args.values['max-file-mb']) } : {}),
    })
    ctx = await openContext(config)
    switch (command) {
      case 'ingest': {
        const s = await ingestCommand(ctx, rest, out)
        const count = (status: string) => s.results.filter((r) => r.status === status).length
        const chunks = s.results.reduce((n, r) => n + (r.status === 'unchanged' ? 0 : r.chunks), 0)
        out.result(
          `Ingested ${s.results.length + s.failed.length} files in ${s.seconds.toFixed(1)} s: ${count('created')} new, ${count('replaced')} replaced, ${count('unchanged')} unchanged, ${s.failed.length} failed (${chunks} chunks written).`,
        )
        if (s.skipped.length > 0)
          out.result(
            `Skipped ${s.skipped.length} files of unsupported types: ${s.skipped.slice(0, 5).join(', ')}${s.skipped.length > 5 ? ', …' : ''}`,
          )
        if (s.empty.length > 0)
          out.result(
            `Skipped ${s.empty.length} pages with nothing to index: ${s.empty.slice(0, 5).join(', ')}${s.empty.length > 5 ? ', …' : ''}`,
          )
        if (s.failed.length > 0) {
          out.result('Failed:')
          for (const f of s.failed) out.result(`  ${f.message}`)
          return 1
        }
        return 0
      }
      case 'ask': {
        const a = await answer(
          {
            db: ctx.database.db,
            embedder: ctx.embedder,
            k,
            ...(ctx.chat ? { chat: ctx.chat } : {}),
            ...(config.abstainBelow !== undefined ? { abstainBelow: config.abstainBelow } : {}),
            warn: (m) => out.progress(`warning: ${m}`),
            // The operator's own tool reads every document unless asked to answer as an audience would.
            ...(args.values.audience !== undefined ? { audiences: audienceList(args.values.audience) } : {}),
          },
          rest.join(' '),
        )
        out.result(args.values.json ? JSON.stringify(answerJson(a, k), null, 2) : renderAnswer(a))
        return 0
      }
      case 'eval': {
        const r = await evalCommand(
          ctx,
          {
            questions: args.values.questions as string,
            k,
            ...(args.values.out ? { out: args.values.out } : {}),
          },
          out,
        )
        out.progress(
          `Answered ${r.lines - r.errors} of ${r.lines} lines${args.values.out ? ` into ${args.values.out}` : ''}.`,
        )
        return r.errors > 0 ? 1 : 0
      }
      case 'reindex': {
        const n = await reindex(ctx.database.db, ctx.embedder, (done, total) =>
          out.progress(`re-embedded ${done}/${total}`),
        )
        if (n > 0) await ctx.database.maintain()
        out.result(
          n === 0
            ? `Every chunk is already embedded with ${ctx.embedder.key}.`
            : `Re-embedded ${n} chunks with ${ctx.embedder.key}.`,
        )
        return 0
      }
      case 'remove': {
        const { removed, missing, synced } = await removeCommand(ctx, rest, out)
        out.result(`Removed ${removed} of ${rest.length} documents.`)
        if (missing.length > 0)
          out.result(
            `Not in the index: ${missing.join(', ')} (give the stored path, e.g. from "policybot ask --json").`,
          )
        return missing.length > 0 || synced.length > 0 ? 1 : 0
      }
      case 'stats': {
        const s = await indexStats(ctx.database.db)
        out.result(args.values.json ? JSON.stringify(s, null, 2) : renderStats(s, ctx))
        return 0
      }
      case 'serve':
        await serveCommand(ctx, port ?? config.port, out, audienceList(args.values.audience))
        return 0
      case 'start':
        await startCommand(ctx, { env, out })
        return 0
      case 'export-approved':
        await exportApprovedCommand(
          ctx.database.db,
          args.values.out,
          out,
          args.values['all-audiences'] ? 'all' : audienceList(args.values.audience),
          args.values.department === undefined
            ? undefined
            : args.values.department.trim().toLowerCase() === 'none'
              ? null
              : args.values.department.trim().toLowerCase(),
        )
        return 0
      case 'sync':
        return await syncCommand(
          ctx,
          env,
          {
            ...(args.values.source ? { source: args.values.source } : {}),
            ...(args.values.sources ? { sources: args.values.sources } : {}),
            ...(args.values['allow-mass-delete'] ? { allowMassDelete: true } : {}),
          },
          out,
        )
      case 'audit':
        await auditCommand(ctx.database.db, args.values, out)
        return 0
      case 'rollout':
        return await rolloutCommand(
          ctx.database.db,
          { ...readDevVars(join(process.cwd(), '.dev.vars')), ...definedOnly(env) },
          rest,
          {
            json: args.values.json === true,
            ...(args.values.percent !== undefined ? { percent: args.values.percent } : {}),
          },
          out,
        )
      case 'sources': {
        if (rest[0] === 'remove') {
          if (!rest[1]) return usage(out, 'sources remove needs the name of a source.')
          return await removeSourceCommand(
            ctx,
            rest[1],
            {
              yes: args.values.yes === true,
              ...(process.stdin.isTTY ? { confirm: askOnTerminal } : {}),
            },
            out,
          )
        }
        const list = await sourceStatuses(ctx.database.db)
        out.result(args.values.json ? JSON.stringify(list, null, 2) : renderSources(list))
        return 0
      }
    }
    return 2
  } catch (e) {
    if (isConnectorError(e) && e.code === 'CONFIG') {
      out.progress(e.message)
      return 2
    }
    out.progress(isPolicybotError(e) ? e.message : `Unexpected error: ${messageOf(e)}`)
    return isPolicybotError(e, 'CONFIG_INVALID') ? 2 : 1
  } finally {
    await ctx?.close()
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      'max-file-mb': { type: 'string' },
      json: { type: 'boolean' },
      k: { type: 'string' },
      out: { type: 'string' },
      questions: { type: 'string' },
      port: { type: 'string' },
      source: { type: 'string' },
      sources: { type: 'string' },
      since: { type: 'string' },
      actor: { type: 'string' },
      action: { type: 'string' },
      limit: { type: 'string' },
      audience: { type: 'string' },
      department: { type: 'string' },
      percent: { type: 'string' },
      'all-audiences': { type: 'boolean' },
      'allow-mass-delete': { type: 'boolean' },
      yes: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

/** `--audience a,b` as lower-case names; absent: none (documents for everyone only). */
function audienceList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .filter(Boolean)
}

/** A question on the terminal, answered with a line. */
async function askOnTerminal(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises')
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    return await rl.question(question)
  } finally {
    rl.close()
  }
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => !!e[1]))
}

function usage(out: Output, message: string): number {
  out.progress(`${message}\n\n${USAGE}`)
  return 2
}

function renderStats(s: Awaited<ReturnType<typeof indexStats>>, ctx: Context): string {
  const lines = [
    `Data: ${ctx.config.database ? 'Postgres (DATABASE_URL)' : ctx.config.dataDir}`,
    `Documents: ${s.documents} (${
      Object.entries(s.byFormat)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ') || 'none'
    })`,
    `Languages: ${
      Object.entries(s.byLanguage)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '—'
    }`,
    `Chunks: ${s.chunks}; vocabulary: ${s.terms} terms`,
    `Embedders: ${s.embedders.map((e) => `${e.key} (${e.chunks} chunks)`).join(', ') || '—'}; current: ${ctx.embedder.key}`,
    `Last ingest: ${s.lastIngested ?? 'never'}`,
  ]
  const stale = s.embedders.filter((e) => e.key !== ctx.embedder.key && e.chunks > 0)
  if (stale.length > 0) lines.push(`Some chunks were embedded by another model: run "policybot reindex".`)
  if (s.recentErrors.length > 0) {
    lines.push('Recent ingest failures:')
    for (const e of s.recentErrors) lines.push(`  ${e.at.slice(0, 19)} ${e.message}`)
  }
  return lines.join('\n')
}
