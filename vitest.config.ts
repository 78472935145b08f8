import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

// workerd under test: no telemetry, no Request.cf download, wrangler's config inside the tree.
process.env.WRANGLER_SEND_METRICS ??= 'false'
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false'
process.env.XDG_CONFIG_HOME ??= `${process.cwd()}/.xdg`

// Two projects: `node` runs unit tests beside the code and boundary tests under test/node (PGlite,
// the Neon driver through a local endpoint, the CLI); `workerd` runs the Worker in the real runtime.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'workers/**/*.test.ts',
            'bots/**/*.test.ts',
            'wiki-sync/**/*.test.ts',
            'gpu-runner/**/*.test.ts',
            'test/node/**/*.test.ts',
          ],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        plugins: [
          // Bindings point the Worker at the servers test/workerd/global-setup.ts starts.
          cloudflareTest(({ inject }) => ({
            main: './workers/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                DATABASE_URL: inject('databaseUrl'),
                POLICYBOT_NEON_WSPROXY: inject('wsProxy'),
                SLACK_API_URL: `${inject('slackUrl')}/api/`,
                SLACK_SIGNING_SECRET: 'test-signing-secret',
                SLACK_BOT_TOKEN: 'xoxb-test-token',
                SLACK_BOT_USER_ID: 'U0BOT00001',
                SLACK_ADMIN_CHANNEL: 'C0ADMINS01',
                POLICY_ADMINS: 'U0ADMIN001,U0ADMIN002,S0POLICYTEAM',
                HANDBOOK_UPLOADERS: 'U0HR000001',
                WEB_CONSOLE: 'on',
                CONSOLE_AUTH: 'local',
                CONSOLE_LOCAL_TOKEN: 'workerd-test-console-token-0123456789',
                // Every test asks as the fixtures' few users: the per-person rate is tested on its own.
                QUESTIONS_PER_USER_PER_MINUTE: '10000',
              },
            },
          })),
        ],
        test: {
          name: 'workerd',
          include: ['test/workerd/**/*.test.ts'],
          globalSetup: ['test/workerd/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
