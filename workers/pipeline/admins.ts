import { cachedMembership } from '../audiences/cache'
import type { Platform } from '../platform'
import type { Services } from '../services'

/** Someone on one platform: an id means nothing without the platform that issued it. */
export interface PlatformUser {
  platform: string
  user: string
}

/**
 * The platform a bare id (written without `platform:`) in POLICY_ADMINS or HANDBOOK_UPLOADERS
 * belongs to, by its shape: Slack `U…`/`W…`, a Teams AAD object id (a GUID), an email (the web
 * console), and anything else a DingTalk staff id. A bare id counts only on that platform, so a
 * DingTalk staff id chosen to equal a Slack admin's `U…` id is not an admin.
 */
export function platformOfBareId(id: string): string {
  if (/^[UW][A-Z0-9]{6,}$/.test(id)) return 'slack'
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return 'teams'
  if (id.includes('@')) return 'web'
  return 'dingtalk'
}

/** Whether a list of ids (`platform:id`, or bare ids read by their shape) names this person. */
export function listed(ids: Iterable<string>, who: PlatformUser): boolean {
  const caseless = who.platform === 'web'
  const user = caseless ? who.user.toLowerCase() : who.user
  for (const raw of ids) {
    const colon = raw.indexOf(':')
    const [platform, id] =
      colon > 0 && /^(slack|teams|dingtalk|web)$/.test(raw.slice(0, colon))
        ? [raw.slice(0, colon), raw.slice(colon + 1)]
        : [platformOfBareId(raw), raw]
    if (platform === who.platform && (caseless ? id.toLowerCase() : id) === user) return true
  }
  return false
}

/**
 * Whether someone may decide escalations: listed in `POLICY_ADMINS` for their platform, or a
 * member of a user group listed there (members read from their platform, cached five minutes).
 */
export async function isPolicyAdmin(svc: Services, who: PlatformUser, now = Date.now()): Promise<boolean> {
  const { admins } = svc.config
  if (listed(admins.users, who)) return true
  const platform = svc.platforms.get(who.platform)
  if (!platform?.groupMembers) return false
  for (const group of admins.groups) {
    if ((await groupMembers(platform, group, now)).has(who.user)) return true
  }
  return false
}

/**
 * The members of a platform's user group, read from the platform at most every five minutes per
 * isolate (Slack's `usergroups.users.list` is rate-limited to about 20 calls a minute); the same
 * cache as the directory memberships audiences read.
 */
export async function groupMembers(
  platform: Pick<Platform, 'name' | 'groupMembers'>,
  group: string,
  now = Date.now(),
): Promise<ReadonlySet<string>> {
  const read = platform.groupMembers?.bind(platform)
  if (!read) return new Set()
  return new Set(await cachedMembership(`group:${platform.name}:${group}`, () => read(group), now))
}

/** Whether someone may upload handbooks: a policy admin or listed in `HANDBOOK_UPLOADERS`. */
export async function mayUpload(svc: Services, who: PlatformUser): Promise<boolean> {
  return listed(svc.config.uploaders, who) || isPolicyAdmin(svc, who)
}
