/** Bindings and vars of the Worker (see wrangler.toml). Secrets are set with `wrangler secret put`. */
export interface Env {
  POLICYBOT_LOG_LEVEL?: string
  DATABASE_URL?: string
}
