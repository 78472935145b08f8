import { messageOf, retryAdvice } from '../errors'
import { groupMembers } from '../pipeline/admins'
import type { Services } from '../services'
import { type AudienceMember, isDirectoryKind, isPlaceKind } from './rules'

/** What the resolver needs of a question: who asked, where, and how. */
export interface AskedBy {
  platform: string
  team: string
  channel: string
  asker: string
  trigger: string
}

/**
 * Triggers whose answer only the asker reads: a DM, the assistant pane, a slash command's private
 * reply, the console. Anything else (a mention in a channel, a thread, a group chat) is read by
 * everyone there.
 */
const PRIVATE_TRIGGERS: ReadonlySet<string> = new Set(['dm', 'assistant', 'command', 'web'])

export function isPrivatePlace(q: Pick<AskedBy, 'trigger'>): boolean {
  return PRIVATE_TRIGGERS.has(q.trigger)
}

/**
 * The audiences whose documents may be used for an answer to this question. In a private place:
 * every audience the asker belongs to (as a user, a member of a directory group or department, a
 * person of a workspace or tenant) and those of the place. In a channel or group chat: only the
 * audiences the place itself belongs to (`slack:channel:C…`), since everyone there reads the
 * answer. Without AUDIENCES configured: none (documents for everyone only).
 *
 * A directory the platform cannot read for a reason that will not pass (a missing scope or
 * permission) counts as no membership, with a warning: the answer uses fewer documents, never
 * more. A reason that may pass (a rate limit, an outage) fails the job, which is retried.
 */
export async function audiencesOf(svc: Services, q: AskedBy): Promise<string[]> {
  const rules = svc.config.audiences
  if (!rules.length) return []
  const personal = isPrivatePlace(q)
  const place = placeId(q)
  const granted = new Set<string>()
  const directory = new Map<string, Set<string>>()
  for (const rule of rules) {
    for (const m of rule.members) {
      if (m.platform !== q.platform) continue
      if (isPlaceKind(m)) {
        if (m.id === place) granted.add(rule.name)
        continue
      }
      if (!personal) continue
      if (isDirectoryKind(m)) {
        const names = directory.get(m.id) ?? new Set<string>()
        names.add(rule.name)
        directory.set(m.id, names)
      } else if (matchesPerson(m, q)) granted.add(rule.name)
    }
  }
  // Directory groups are read only for audiences not granted already.
  const wanted = [...directory].filter(([, names]) => [...names].some((n) => !granted.has(n)))
  if (wanted.length) {
    for (const group of await directoryGroups(
      svc,
      q,
      wanted.map(([id]) => id),
    )) {
      for (const name of directory.get(group) ?? []) granted.add(name)
    }
  }
  return [...granted].sort()
}

/** The place as AUDIENCES names it: a Teams channel's conversation id without its thread suffix. */
function placeId(q: AskedBy): string {
  return q.platform === 'teams' ? (q.channel.split(';')[0] ?? q.channel) : q.channel
}

function matchesPerson(m: AudienceMember, q: AskedBy): boolean {
  switch (m.kind) {
    case 'user':
      return q.platform === 'web' ? m.id.toLowerCase() === q.asker.toLowerCase() : m.id === q.asker
    case 'team':
    case 'tenant':
    case 'corp':
      return m.id === q.team
    default:
      return false
  }
}

async function directoryGroups(svc: Services, q: AskedBy, candidates: string[]): Promise<string[]> {
  const platform = svc.platforms.get(q.platform)
  if (!platform) return []
  try {
    if (platform.groupsOf) return await platform.groupsOf(q.asker, candidates, q.team)
    const found: string[] = []
    for (const group of candidates) if ((await groupMembers(platform, group)).has(q.asker)) found.push(group)
    return found
  } catch (e) {
    if (retryAdvice(e).retryable) throw e
    svc.warn(
      `the ${q.platform} directory could not be read for the asker's audiences (${messageOf(e)}): answering from documents they are known to see`,
    )
    return []
  }
}
