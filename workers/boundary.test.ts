import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The core never names a chat platform: it talks to `Platform`, `Outbox` and `AdminChannel`
 * (workers/platform.ts, workers/outbox.ts). Only the composition roots (the Worker's entry, the
 * services that open the platforms, each platform's Hono routes, the Node CLI) may import a
 * platform folder. This fails when a core file borrows a platform's message builder or client.
 */
const root = new URL('..', import.meta.url).pathname
const PLATFORMS = readdirSync(join(root, 'bots'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
const ROOTS = [
  'workers/index.ts',
  'workers/services.ts',
  'workers/cli/',
  ...PLATFORMS.map((p) => `workers/${p}/`),
]

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  )
}

describe('the core and the platforms', () => {
  const core = files('workers').filter((f) => !ROOTS.some((r) => f === r || f.startsWith(r)))

  it('knows the platform folders and the core', () => {
    expect(PLATFORMS).toEqual(expect.arrayContaining(['slack', 'teams', 'dingtalk']))
    expect(core).toEqual(
      expect.arrayContaining(['workers/pipeline/answer-question.ts', 'workers/jobs/consumer.ts']),
    )
  })

  it.each(core)('%s imports no platform folder and uses no platform client', (file) => {
    const source = readFileSync(join(root, file), 'utf8')
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1] as string)
    const platformImports = imports.filter((i) =>
      PLATFORMS.some((p) => new RegExp(`(^|/)bots/(${p}/|index$)`).test(i)),
    )
    expect(platformImports).toEqual([])
    expect(source.match(/\bsvc\.(slack|teams|dingtalk)\b/g) ?? []).toEqual([])
  })

  it.each(PLATFORMS)('bots/%s implements the core interface and is listed in bots/index.ts', (p) => {
    expect(existsSync(join(root, 'bots', p, 'platform.ts'))).toBe(true)
    expect(readFileSync(join(root, 'bots/index.ts'), 'utf8')).toContain(`./${p}/platform`)
  })
})
