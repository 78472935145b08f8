import { resolve } from 'node:path'
import { z } from 'zod'
import { PolicybotError } from '../errors'

/**
 * Everything the Node entrypoints read from the environment, parsed once. Nothing else reads
 * `process.env`. Errors name every bad variable and how to set it, all at once.
 */
const EnvSchema = z.object({
  POLICYBOT_DATA: z.string().min(1).default('.policybot'),
  POLICYBOT_MAX_FILE_MB: z.coerce.number().positive().max(4096).default(50),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')
    .optional(),
  POLICYBOT_NEON_WSPROXY: z.string().optional(),
  POLICYBOT_CHAT_BASE_URL: z.url().optional(),
  POLICYBOT_CHAT_API_KEY: z.string().optional(),
  POLICYBOT_CHAT_MODEL: z.string().optional(),
  POLICYBOT_EMBEDDINGS_BASE_URL: z.url().optional(),
  POLICYBOT_EMBEDDINGS_API_KEY: z.string().optional(),
  POLICYBOT_EMBEDDINGS_MODEL: z.string().optional(),
  POLICYBOT_EMBEDDINGS_BATCH: z.coerce.number().int().positive().max(2048).default(64),
  POLICYBOT_ABSTAIN_BELOW: z.coerce.number().min(0).max(1).optional(),
  POLICYBOT_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  PORT: z.coerce.number().int().min(1).max(65535).default(8787),
})

export interface Config {
  /** Data directory of the embedded database. */
  dataDir: string
  maxFileBytes: number
  /** Production Postgres (through the Neon driver) instead of the embedded database. */
  database?: { url: string; wsProxy?: string }
  chat?: { baseURL: string; apiKey?: string; model: string }
  embeddings?: { baseURL: string; apiKey?: string; model: string; batchSize: number }
  abstainBelow?: number
  port: number
  /** Port of the local stack's Worker (`policybot start`, `npm start`). */
  workerPort: number
}

/** Flags that override the environment. */
export interface ConfigFlags {
  data?: string
  maxFileMb?: number
}

/** Parses the environment (and flags) into a frozen `Config`, or throws `CONFIG_INVALID` naming every problem. */
export function loadConfig(
  env: Record<string, string | undefined>,
  flags: ConfigFlags = {},
): Readonly<Config> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = EnvSchema.safeParse(cleaned)
  const problems: string[] = []
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`)
  }
  const e = parsed.success ? parsed.data : undefined
  // Checked on the raw values, so they are reported together with any type errors.
  if (cleaned.POLICYBOT_CHAT_BASE_URL && !cleaned.POLICYBOT_CHAT_MODEL) {
    problems.push(
      'POLICYBOT_CHAT_MODEL: required when POLICYBOT_CHAT_BASE_URL is set (the model name to request)',
    )
  }
  if (cleaned.POLICYBOT_EMBEDDINGS_BASE_URL && !cleaned.POLICYBOT_EMBEDDINGS_MODEL) {
    problems.push('POLICYBOT_EMBEDDINGS_MODEL: required when POLICYBOT_EMBEDDINGS_BASE_URL is set')
  }
  if (flags.maxFileMb !== undefined && !(flags.maxFileMb > 0))
    problems.push('--max-file-mb: must be a positive number')
  if (problems.length > 0 || !e) {
    throw new PolicybotError(
      'CONFIG_INVALID',
      `Invalid configuration (set these environment variables, see README "Configuration"):\n  ${problems.join('\n  ')}`,
    )
  }
  const config: Config = {
    dataDir: resolve(flags.data ?? e.POLICYBOT_DATA),
    maxFileBytes: Math.round((flags.maxFileMb ?? e.POLICYBOT_MAX_FILE_MB) * 1024 * 1024),
    port: e.POLICYBOT_PORT,
    workerPort: e.PORT,
    ...(e.DATABASE_URL
      ? {
          database: {
            url: e.DATABASE_URL,
            ...(e.POLICYBOT_NEON_WSPROXY ? { wsProxy: e.POLICYBOT_NEON_WSPROXY } : {}),
          },
        }
      : {}),
    ...(e.POLICYBOT_CHAT_BASE_URL && e.POLICYBOT_CHAT_MODEL
      ? {
          chat: {
            baseURL: e.POLICYBOT_CHAT_BASE_URL,
            model: e.POLICYBOT_CHAT_MODEL,
            ...(e.POLICYBOT_CHAT_API_KEY ? { apiKey: e.POLICYBOT_CHAT_API_KEY } : {}),
          },
        }
      : {}),
    ...(e.POLICYBOT_EMBEDDINGS_BASE_URL && e.POLICYBOT_EMBEDDINGS_MODEL
      ? {
          embeddings: {
            baseURL: e.POLICYBOT_EMBEDDINGS_BASE_URL,
            model: e.POLICYBOT_EMBEDDINGS_MODEL,
            batchSize: e.POLICYBOT_EMBEDDINGS_BATCH,
            ...(e.POLICYBOT_EMBEDDINGS_API_KEY ? { apiKey: e.POLICYBOT_EMBEDDINGS_API_KEY } : {}),
          },
        }
      : {}),
    ...(e.POLICYBOT_ABSTAIN_BELOW !== undefined ? { abstainBelow: e.POLICYBOT_ABSTAIN_BELOW } : {}),
  }
  return Object.freeze(config)
}
