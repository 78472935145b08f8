import type { DurableObjectNamespace, Queue } from '@cloudflare/workers-types'
import type { WorkerVariable } from './config'
import type { Job } from './jobs/types'

/**
 * Bindings and vars of the Worker (see wrangler.toml). Secrets are set with `wrangler secret put`
 * (or `.dev.vars` locally); `workers/config.ts` lists and parses the variables.
 */
export type Env = {
  /** The job queue (answers, escalations, deliveries, uploads). */
  JOBS: Queue<Job>
  /** Per-workspace request budgets (`RateBudgetObject`); absent outside the Worker. */
  RATE_BUDGET?: DurableObjectNamespace
  POLICYBOT_LOG_LEVEL?: string
} & { [K in WorkerVariable]?: string }
