import type { Queue } from '@cloudflare/workers-types'
import type { Job } from './jobs/types'

/**
 * Bindings and vars of the Worker (see wrangler.toml). Secrets are set with `wrangler secret put`
 * (or `.dev.vars` locally); `workers/config.ts` parses them.
 */
export interface Env {
  /** The job queue (answers, escalations, deliveries, uploads). */
  JOBS: Queue<Job>
  POLICYBOT_LOG_LEVEL?: string
  DATABASE_URL?: string
  POLICYBOT_NEON_WSPROXY?: string
  SLACK_SIGNING_SECRET?: string
  SLACK_BOT_TOKEN?: string
  SLACK_API_URL?: string
  SLACK_ADMIN_CHANNEL?: string
  SLACK_BOT_USER_ID?: string
  POLICY_ADMINS?: string
  HANDBOOK_UPLOADERS?: string
  RUNNER_URL?: string
  RUNNER_TOKEN?: string
  RUNNER_MODEL?: string
  RUNNER_EMBEDDINGS_MODEL?: string
  ESCALATION_REMIND_HOURS?: string
  APPROVED_ANSWER_TTL_DAYS?: string
  POLICYBOT_ABSTAIN_BELOW?: string
  MAX_UPLOAD_MB?: string
  WEB_CONSOLE?: string
  WEB_ADMIN?: string
  TEAMS_APP_ID?: string
  TEAMS_APP_PASSWORD?: string
  TEAMS_APP_TENANT_ID?: string
  TEAMS_TENANTS?: string
  TEAMS_LOGIN_URL?: string
  TEAMS_OPENID_METADATA?: string
  TEAMS_ADMIN_CONVERSATION?: string
  TEAMS_SERVICE_URL?: string
  DINGTALK_APP_KEY?: string
  DINGTALK_APP_SECRET?: string
  DINGTALK_ROBOT_CODE?: string
  DINGTALK_API_URL?: string
  DINGTALK_SESSION_ORIGIN?: string
  DINGTALK_ADMIN_CONVERSATION?: string
  DINGTALK_LOGIN_URL?: string
  PUBLIC_URL?: string
  /** Wiki sync secrets (the names a source's `tokenEnv` gives; these are the defaults). */
  CONFLUENCE_API_TOKEN?: string
  NOTION_TOKEN?: string
}
