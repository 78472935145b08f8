/**
 * Directory memberships as the platform last told them (a person's AAD groups or DingTalk
 * departments, a Slack user group's members), kept five minutes per isolate: asking the directory for every question would spend the
 * platform's rate limits, and a membership change reaches answers within the five minutes.
 */
const MEMBERSHIP_TTL_MS = 5 * 60_000
const MAX_ENTRIES = 5000
const cache = new Map<string, { groups: string[]; at: number }>()

export async function cachedMembership(
  key: string,
  read: () => Promise<string[]>,
  now = Date.now(),
): Promise<string[]> {
  const hit = cache.get(key)
  if (hit && now - hit.at <= MEMBERSHIP_TTL_MS) return hit.groups
  const groups = await read()
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string)
  cache.set(key, { groups, at: now })
  return groups
}
