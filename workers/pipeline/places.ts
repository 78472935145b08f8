import type { Place } from '../../bots/types'
import type { QuestionRow } from '../conversations/questions'
import { dingTalkOutbox } from '../dingtalk/outbox'
import { PolicybotError } from '../errors'
import type { Outbox } from '../outbox'
import { webOutbox } from '../outbox'
import type { Services } from '../services'
import { slackOutbox } from '../slack/outbox'
import { teamsOutbox } from '../teams/outbox'

/** Where a question was asked. */
export function placeOf(q: QuestionRow): Place {
  return { platform: q.platform as Place['platform'], team: q.team, channel: q.channel, threadTs: q.threadTs }
}

/** A platform that is not configured: no retry helps, so the job is parked at once with this reason. */
const notConfigured = (message: string) => new PolicybotError('CONFIG_INVALID', message)

/** The outbox for a place's platform; a Slack question without a bot token cannot be answered. */
export function outboxFor(svc: Services, place: Place): Outbox {
  if (place.platform === 'web') return webOutbox
  if (place.platform === 'teams') {
    if (!svc.teams) throw notConfigured('TEAMS_APP_ID / TEAMS_APP_PASSWORD are not set: cannot post to Teams')
    return teamsOutbox(svc.teams, svc.db)
  }
  if (place.platform === 'dingtalk') {
    if (!svc.dingtalk)
      throw notConfigured('DINGTALK_APP_KEY / DINGTALK_APP_SECRET are not set: cannot post to DingTalk')
    return dingTalkOutbox(svc.dingtalk)
  }
  if (!svc.slack) throw notConfigured('SLACK_BOT_TOKEN is not set: cannot post to Slack')
  return slackOutbox(svc.slack)
}
