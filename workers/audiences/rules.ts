/**
 * Who belongs to which audience: the `AUDIENCES` setting. A document whose front matter names
 * audiences is answered only to people (and in places) that belong to one of them; a document
 * with none is for everyone.
 *
 *     AUDIENCES = """
 *       managers = slack:group:S0MGRS slack:channel:C0MGRS teams:group:6f1c…-…  dingtalk:dept:4021
 *       hr       = slack:user:U0HR1 web:user:hr-lead@acme.com
 *     """
 *
 * One audience per line (or separated by `;`), its members as `platform:kind:id` separated by
 * spaces or commas. The kinds:
 *
 * | platform | person (in a private chat with the bot)             | place (everyone who reads it) |
 * |----------|-----------------------------------------------------|-------------------------------|
 * | slack    | `user:U…`, `group:S…` (user group), `team:T…`/`E…`   | `channel:C…`                  |
 * | teams    | `user:<AAD object id>`, `group:<AAD group id>`, `tenant:<id>` | `channel:<conversation id>` |
 * | dingtalk | `user:<staff id>`, `dept:<department id>` (and its sub-departments), `corp:<corp id>` | `conversation:<id>` |
 * | web      | `user:<console user>`                               |                               |
 *
 * A person's kinds count only where the answer is seen by that person alone (a DM, the assistant
 * pane, a slash command's private reply, the console); in a channel or group chat only the place's
 * own membership counts, so an answer posted there uses only documents every reader may see.
 */
export type AudiencePlatform = 'slack' | 'teams' | 'dingtalk' | 'web'

export interface AudienceMember {
  platform: AudiencePlatform
  kind: string
  id: string
}

export interface AudienceRule {
  /** The audience's name as documents write it (lower case). */
  name: string
  members: readonly AudienceMember[]
}

const KINDS: Record<AudiencePlatform, { person: readonly string[]; place: readonly string[] }> = {
  slack: { person: ['user', 'group', 'team'], place: ['channel'] },
  teams: { person: ['user', 'group', 'tenant'], place: ['channel'] },
  dingtalk: { person: ['user', 'dept', 'corp'], place: ['conversation'] },
  web: { person: ['user'], place: [] },
}

/** Whether a member kind is granted by the place (every reader) rather than the person. */
export function isPlaceKind(m: AudienceMember): boolean {
  return KINDS[m.platform].place.includes(m.kind)
}

/** The kinds looked up in the platform's directory (groups, departments). */
export function isDirectoryKind(m: AudienceMember): boolean {
  return m.kind === 'group' || m.kind === 'dept'
}

/** Reads `AUDIENCES`; throws an Error naming the first bad entry. */
export function parseAudienceRules(text: string | undefined): AudienceRule[] {
  const rules = new Map<string, AudienceMember[]>()
  for (const raw of (text ?? '').split(/[;\n]/)) {
    const line = raw.replace(/#.*$/, '').trim()
    if (!line) continue
    const eq = line.indexOf('=')
    if (eq <= 0) throw new Error(`"${line}" is not "audience = platform:kind:id …"`)
    const name = line.slice(0, eq).trim().toLowerCase()
    if (!/^[\p{L}\p{N}][\p{L}\p{N}_.\- ]*$/u.test(name)) throw new Error(`"${name}" is not an audience name`)
    if (name === 'all' || name === 'everyone' || name === 'public')
      throw new Error(`"${name}" means everyone: documents for everyone need no audience`)
    const members = rules.get(name) ?? []
    for (const item of line
      .slice(eq + 1)
      .split(/[\s,]+/)
      .filter(Boolean)) {
      members.push(parseMember(item, name))
    }
    if (!members.length) throw new Error(`audience "${name}" names no members`)
    rules.set(name, members)
  }
  return [...rules].map(([name, members]) => ({ name, members }))
}

function parseMember(item: string, audience: string): AudienceMember {
  const m = /^(slack|teams|dingtalk|web):([a-z]+):(.+)$/.exec(item)
  if (!m) throw new Error(`"${item}" in audience "${audience}" is not platform:kind:id`)
  const platform = m[1] as AudiencePlatform
  const kind = m[2] as string
  const kinds = KINDS[platform]
  if (!kinds.person.includes(kind) && !kinds.place.includes(kind))
    throw new Error(
      `"${item}" in audience "${audience}": ${platform} has ${[...kinds.person, ...kinds.place].join(', ')}, not ${kind}`,
    )
  return { platform, kind, id: m[3] as string }
}
