import type { Services } from '../services'

const groupCache = new Map<string, { users: Set<string>; at: number }>()
const GROUP_TTL_MS = 5 * 60_000

/**
 * Whether a user may decide escalations: listed in `POLICY_ADMINS` by id, or a member of a user
 * group listed there (members read with `usergroups.users.list`, cached five minutes).
 */
export async function isPolicyAdmin(svc: Services, user: string, now = Date.now()): Promise<boolean> {
  const { admins } = svc.config
  if (admins.users.has(user)) return true
  if (!svc.slack) return false
  for (const group of admins.groups) {
    let hit = groupCache.get(group)
    if (!hit || now - hit.at > GROUP_TTL_MS) {
      const res = await svc.slack.call('usergroups.users.list', { usergroup: group })
      hit = { users: new Set((res.users as string[] | undefined) ?? []), at: now }
      groupCache.set(group, hit)
    }
    if (hit.users.has(user)) return true
  }
  return false
}

/** Whether a user may upload handbooks: a policy admin or listed in `HANDBOOK_UPLOADERS`. */
export async function mayUpload(svc: Services, user: string): Promise<boolean> {
  return svc.config.uploaders.has(user) || isPolicyAdmin(svc, user)
}
