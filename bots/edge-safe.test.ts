import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * Webhook verification, parsing and rendering, and the remote wiki connectors, run inside the
 * Worker: they may use Web APIs only. This fails if one of them imports a Node built-in or a
 * Node-only SDK. Node-only relays are listed by name.
 */
const root = new URL('..', import.meta.url).pathname
const NODE_ONLY = new Set([
  'bots/slack/socket-mode.ts',
  'bots/dingtalk/stream-relay.ts',
  'wiki-sync/connectors/git.ts',
  'wiki-sync/connectors/git-blobs.ts',
  'wiki-sync/node-sources.ts',
])

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  )
}

describe('edge-safe code', () => {
  const checked = [...files('bots'), ...files('wiki-sync')].filter((f) => !NODE_ONLY.has(f))

  it('covers the adapters and connectors', () => {
    expect(checked).toEqual(
      expect.arrayContaining(['bots/dingtalk/verify.ts', 'bots/slack/verify.ts', 'wiki-sync/engine.ts']),
    )
  })

  it.each(checked)('%s imports no Node built-in or Node-only SDK', (file) => {
    const source = readFileSync(join(root, file), 'utf8')
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1] as string)
    const bad = imports.filter(
      (i) => i.startsWith('node:') || ['botbuilder', 'axios', '@slack/bolt', 'ws'].includes(i),
    )
    expect(bad, relative(root, file)).toEqual([])
  })
})
