import type { Place } from '../../bots/types'
import type { QuestionRow } from '../conversations/questions'
import { PolicybotError } from '../errors'
import type { Outbox } from '../outbox'
import { webOutbox } from '../outbox'
import type { ReplyVia } from '../platform'
import type { Services } from '../services'

/** Where a question was asked. */
export function placeOf(q: QuestionRow): Place {
  return { platform: q.platform as Place['platform'], team: q.team, channel: q.channel, threadTs: q.threadTs }
}

/**
 * The outbox for a place's platform. A platform not configured on this deployment cannot be
 * posted to: no retry helps, so the error is permanent and the job is parked at once.
 */
export function outboxFor(svc: Services, place: Place, replyVia?: ReplyVia): Outbox {
  if (place.platform === 'web') return webOutbox
  const platform = svc.platforms.get(place.platform)
  if (!platform)
    throw new PolicybotError(
      'CONFIG_INVALID',
      `${svc.platforms.missing(place.platform)}: cannot post to ${place.platform}`,
    )
  return platform.outbox(place, replyVia)
}
