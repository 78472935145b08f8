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
            'test/node/**/*.test.ts',
          ],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        plugins: [
          cloudflareTest({ main: './workers/index.ts', wrangler: { configPath: './wrangler.toml' } }),
        ],
        test: { name: 'workerd', include: ['test/workerd/**/*.test.ts'] },
      },
    ],
  },
})
