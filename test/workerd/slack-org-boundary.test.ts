import { eq } from 'drizzle-orm'
import { describe, expect, inject, it } from 'vitest'
import { questions } from '../../workers/db/schema'
import { openServices } from '../../workers/services'
import appMention from '../fixtures/slack/app_mention.json'
import slashCommand from '../fixtures/slack/slash_command.json'
import {
  blockText,
  drainJobs,
  envWith,
  freshTs,
  inThread,
  postSigned,
  sentJobs,
  slackCalls,
  testEnv,
  withFields,
} from './slack'

/**
 * The organisation boundary on Slack: SLACK_TEAMS lists the workspaces (and Grid organisations)
 * served, and someone of another organisation (Slack Connect) is refused politely, their words
 * not kept. A colleague in a sibling workspace of the same Enterprise Grid is answered.
 */
const CHANNEL = 'C0SHARED01'
const QUESTION = 'how many vacation days do I get after two years?'
const mention = (over: Record<string, unknown>) => {
  const ts = freshTs()
  return {
    ts,
    body: JSON.stringify(
      withFields(appMention, {
        event_id: `EvOrg${ts}`,
        'event.ts': ts,
        'event.event_ts': ts,
        'event.channel': CHANNEL,
        'event.text': `<@U0BOT00001> ${QUESTION}`,
        ...over,
      }),
    ),
  }
}
const reply = async (ts: string) => {
  const [post] = inThread(await slackCalls(), CHANNEL, ts)
  return post ? `${post.body.text ?? ''} ${blockText(post.body)}` : undefined
}
async function stored(ts: string) {
  const svc = await openServices(testEnv)
  try {
    return (await svc.db.select().from(questions).where(eq(questions.messageTs, ts)))[0]
  } finally {
    await svc.close()
  }
}

describe('the organisation boundary on Slack', () => {
  it('ignores a workspace SLACK_TEAMS does not list: no question, no job, no reply', async () => {
    const bindings = envWith({ SLACK_TEAMS: 'T0POLICY01,E0POLICYORG' })
    const m = mention({
      team_id: 'T0OTHERCO1',
      'event.team': 'T0OTHERCO1',
      'authorizations.0.team_id': 'T0OTHERCO1',
    })
    const before = sentJobs.length
    const res = await postSigned('/slack/events', m.body, { bindings })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ignored: 'workspace not allowed (SLACK_TEAMS)' })
    expect(sentJobs.length).toBe(before)
    expect(await stored(m.ts)).toBeUndefined()
    // A workspace of a listed Grid organisation is served.
    const grid = mention({ team_id: 'T0SIBLING1', enterprise_id: 'E0POLICYORG', 'event.team': 'T0SIBLING1' })
    expect((await postSigned('/slack/events', grid.body, { bindings })).status).toBe(200)
    await drainJobs(undefined, bindings)
    expect(await reply(grid.ts)).toMatch(/20 days|25 days/)
  })

  it('tells a Slack Connect user of another organisation politely, keeping nothing they wrote', async () => {
    const m = mention({ is_ext_shared_channel: true, 'event.team': 'T0PARTNER1', 'event.user': 'U0PARTNER1' })
    expect((await postSigned('/slack/events', m.body)).status).toBe(200)
    await drainJobs()
    const told = await reply(m.ts)
    expect(told).toContain('only answer questions from members of this organisation')
    expect(told).not.toMatch(/20 days|25 days|Annual Leave/)
    const row = await stored(m.ts)
    expect(row?.status).toBe('refused')
    expect(row?.text).not.toContain('vacation')
  })

  it('answers a colleague from a sibling workspace of the same Grid, but not a partner in a shared channel', async () => {
    const colleague = mention({
      enterprise_id: 'E0POLICYORG',
      'event.user_team': 'T0SIBLING1',
      'event.user': 'U0SIBLING1',
    })
    const partner = mention({
      enterprise_id: 'E0POLICYORG',
      is_ext_shared_channel: true,
      'event.user_team': 'T0PARTNER1',
      'event.user': 'U0PARTNER2',
    })
    await postSigned('/slack/events', colleague.body)
    await postSigned('/slack/events', partner.body)
    await drainJobs()
    expect(await reply(colleague.ts)).toMatch(/20 days|25 days/)
    expect(await reply(partner.ts)).toContain('only answer questions from members of this organisation')
  })

  it('refuses a slash command from a workspace SLACK_TEAMS does not list, keeping nothing, and serves a listed Grid', async () => {
    const bindings = envWith({ SLACK_TEAMS: 'T0POLICY01,E0POLICYORG' })
    const command = async (fields: Record<string, string>) => {
      const trigger = `${freshTs()}.org`
      const body = new URLSearchParams({
        ...slashCommand,
        text: 'how many vacation days do I get?',
        trigger_id: trigger,
        response_url: `${inject('slackUrl')}/hooks/commands/${trigger}`,
        ...fields,
      }).toString()
      const res = await postSigned('/slack/commands', body, {
        contentType: 'application/x-www-form-urlencoded',
        bindings,
      })
      expect(res.status).toBe(200)
      return { trigger, reply: (await res.json()) as { response_type: string; text: string } }
    }
    const before = sentJobs.length
    const outsider = await command({ team_id: 'T0OTHERCO1', team_domain: 'otherco' })
    expect(outsider.reply).toMatchObject({ response_type: 'ephemeral' })
    expect(outsider.reply.text).toMatch(/members of this organisation|only answer/i)
    expect(sentJobs.length).toBe(before)
    expect(await stored(`command:${outsider.trigger}`)).toBeUndefined()
    const sibling = await command({ team_id: 'T0SIBLING1', enterprise_id: 'E0POLICYORG' })
    expect(sibling.reply.text).toMatch(/Looking that up/)
    expect(sentJobs.length).toBe(before + 1)
    await drainJobs(undefined, bindings)
  })
})
