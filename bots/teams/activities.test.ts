import { describe, expect, it } from 'vitest'
import channel from '../../test/fixtures/teams/message_channel_mention.json'
import personal from '../../test/fixtures/teams/message_personal.json'
import { parseActivity, teamsEvent } from './activities'

const event = (a: unknown) => teamsEvent(parseActivity(JSON.stringify(a)))

describe('Teams activities', () => {
  it('turns a 1:1 message into a question in one running conversation', () => {
    expect(event(personal)).toEqual({
      kind: 'question',
      place: {
        platform: 'teams',
        team: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        channel: personal.conversation.id,
        threadTs: 'dm',
      },
      messageTs: '1764158400000',
      asker: '6b2f9d4e-1a3c-4e5b-8d7f-0a9b8c7d6e5f',
      askerName: 'Maria Schmidt',
      text: 'How many days of annual leave do I get in my third year?',
      trigger: 'dm',
      dedupeKey: `teams:${personal.conversation.id}:1764158400000`,
    })
  })

  it('answers a channel message only when it mentions the bot, without the mention, in its thread', () => {
    const q = event(channel)
    expect(q).toMatchObject({
      kind: 'question',
      trigger: 'mention',
      text: 'How many days of annual leave do I get in my third year?',
      place: { threadTs: '1764158700000' },
    })
    expect(event({ ...channel, entities: [] })).toMatchObject({
      kind: 'unsupported',
      reason: 'not addressed to the bot',
    })
  })

  it('acknowledges other activities as unsupported and refuses malformed ones', () => {
    expect(event({ ...personal, type: 'conversationUpdate' })).toMatchObject({
      kind: 'unsupported',
      type: 'conversationUpdate',
    })
    expect(() => parseActivity('{"type":"message"}')).toThrow(/Not a Bot Framework activity/)
    expect(() => parseActivity('nope')).toThrow(/not JSON/)
  })
})
