import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

/**
 * The Slack app manifest asks for exactly the scopes the code uses: a workspace admin installing
 * policybot approves each one, and a scope nothing needs is access nobody should grant.
 */
const root = new URL('../..', import.meta.url).pathname
const manifest = parse(readFileSync(join(root, 'bots/slack/manifest.yaml'), 'utf8')) as {
  oauth_config: { scopes: { bot: string[] } }
  settings: { event_subscriptions: { bot_events: string[] } }
}

/** The bot scope each Web API method needs (Slack's method reference); views.* need none. */
const METHOD_SCOPE: Record<string, string | null> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.startStream': 'chat:write',
  'chat.appendStream': 'chat:write',
  'chat.stopStream': 'chat:write',
  'views.open': null,
  'views.update': null,
  'usergroups.users.list': 'usergroups:read',
  'files.info': 'files:read',
  'files.download': 'files:read',
  'assistant.threads.setStatus': 'assistant:write',
  'assistant.threads.setSuggestedPrompts': 'assistant:write',
}
/** The scope each subscribed event needs, and the slash command's. */
const EVENT_SCOPE: Record<string, string> = {
  app_mention: 'app_mentions:read',
  'message.im': 'im:history',
  'message.channels': 'channels:history',
  'message.groups': 'groups:history',
  assistant_thread_started: 'assistant:write',
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : []
  })
}

describe('the Slack app manifest', () => {
  it('asks for exactly the scopes the code uses', () => {
    const code = [...sources(join(root, 'workers')), ...sources(join(root, 'bots'))]
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n')
    const methods = new Set(
      [
        ...code.matchAll(
          /'((?:chat|views|files|assistant|usergroups|users|conversations|reactions)\.[\w.]+)'/g,
        ),
      ].map((m) => m[1] as string),
    )
    methods.delete('files.slack.com')
    for (const m of methods) expect(Object.keys(METHOD_SCOPE), `scope of ${m}`).toContain(m)
    const needed = new Set([
      ...[...methods].map((m) => METHOD_SCOPE[m]).filter((s): s is string => !!s),
      ...manifest.settings.event_subscriptions.bot_events.map((e) => EVENT_SCOPE[e] as string),
      'commands',
    ])
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort())
  })

  it('subscribes only to events the Worker handles', () => {
    expect(Object.keys(EVENT_SCOPE)).toEqual(
      expect.arrayContaining(manifest.settings.event_subscriptions.bot_events),
    )
  })
})
