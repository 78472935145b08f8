import { type PlatformName, type Platforms, platformList } from '../workers/platform'
import type { Services } from '../workers/services'
import { dingTalkPlatform } from './dingtalk/platform'
import { slackPlatform } from './slack/platform'
import { teamsPlatform } from './teams/platform'

/**
 * The chat platforms this deployment is configured for, as the core sees them. Adding a platform
 * means one more line here (see `bots/README.md`).
 */
export function openPlatforms(svc: Omit<Services, 'platforms'>): Platforms {
  return platformList(
    [
      ...(svc.slack ? [slackPlatform(svc, svc.slack)] : []),
      ...(svc.teams ? [teamsPlatform(svc, svc.teams)] : []),
      ...(svc.dingtalk ? [dingTalkPlatform(svc, svc.dingtalk)] : []),
    ],
    NEEDS,
  )
}

/** What each platform needs before it opens, for the error that says so. */
const NEEDS: Record<PlatformName, string> = {
  slack: 'SLACK_BOT_TOKEN is not set',
  teams: 'TEAMS_APP_ID / TEAMS_APP_PASSWORD are not set',
  dingtalk: 'DINGTALK_APP_KEY / DINGTALK_APP_SECRET are not set',
}
