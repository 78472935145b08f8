import type { Services } from '../services'

const groupCache = new Map<string, { users: Set<string>; at: number }>()
const GROUP_TTL_MS = 5 * 60_000

/**
 * Whether a user may decide escalations: listed in `POLICY_ADMINS` by id, or a member of a user
 * group listed there (members read from the platforms that have groups, cached five minutes).
 */
export async function isPolicyAdmin(svc: Services, user: string, now = Date.now()): Promise<boolean> {
  const { admins } = svc.config
  if (admins.users.has(user)) return true
  for (const platform of svc.platforms.all) {
    if (!platform.groupMembers) continue
    for (const group of admins.groups) {
      const key = `${platform.name}:${group}`
      let hit = groupCache.get(key)
      if (!hit || now - hit.at > GROUP_TTL_MS) {
        hit = { users: new Set(await platform.groupMembers(group)), at: now }
        groupCache.set(key, hit)
      }
      if (hit.users.has(user)) return true
    }
  }
  return false
}

/** Whether a user may upload handbooks: a policy admin or listed in `HANDBOOK_UPLOADERS`. */
export async function mayUpload(svc: Services, user: string): Promise<boolean> {
  return svc.config.uploaders.has(user) || isPolicyAdmin(svc, user)
}
