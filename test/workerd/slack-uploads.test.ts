import { describe, expect, inject, it } from 'vitest'
import appMention from '../fixtures/slack/app_mention.json'
import fileShare from '../fixtures/slack/message_file_share_im.json'
import slashCommand from '../fixtures/slack/slash_command.json'
import {
  afterJobs,
  blockText,
  drainJobs,
  freshTs,
  inThread,
  postEvent,
  postSigned,
  slackCalls,
  withFields,
} from './slack'

const HANDBOOK = `# Travel policy

## Train travel
Employees may book first-class train tickets for journeys longer than four hours.
`

async function putFile(id: string, text: string) {
  await fetch(`${inject('slackUrl')}/__files/${id}`, { method: 'PUT', body: text })
}

describe('HR uploads a handbook by DM', () => {
  it('ingests a file from an uploader, replies with what it learned, and answers from it', async () => {
    const id = `F${freshTs().replace('.', '')}`
    await putFile(id, HANDBOOK)
    const ts = freshTs()
    const res = await postEvent(
      withFields(fileShare, {
        'event.ts': ts,
        'event.event_ts': ts,
        event_id: `Ev${ts}`,
        'event.files.0.id': id,
        'event.files.0.name': 'travel-policy.md',
        'event.files.0.size': HANDBOOK.length,
        'event.files.0.url_private_download': `${inject('slackUrl')}/files/${id}`,
      }),
    )
    expect(((await res.json()) as { accepted: boolean }).accepted).toBe(true)
    const calls = await afterJobs((c) => c)
    const download = calls.find((c) => c.path === `/files/${id}`)
    expect(download?.headers.authorization).toBe('Bearer xoxb-test-token')
    const [reply] = inThread(calls, 'D0HR000001', ts)
    expect(String(reply?.body.text)).toMatch(
      /travel-policy\.md.*Travel policy.*1 section.*passage.*answerable now/s,
    )

    const q = freshTs()
    await postEvent(
      withFields(appMention, {
        'event.ts': q,
        'event.text': '<@U0BOT00001> can I book first class train tickets?',
        event_id: `Ev${q}`,
      }),
    )
    const [answer] = await afterJobs((c) => inThread(c, 'C0GENERAL1', q))
    expect(blockText(answer?.body ?? {})).toContain('first-class train tickets')
    expect(blockText(answer?.body ?? {})).toContain('Travel policy › Train travel')
  })

  it('refuses an upload from someone who is not an uploader, and stores nothing', async () => {
    const id = `F${freshTs().replace('.', '')}`
    await putFile(id, '# Secret plan\n\nEveryone gets 400 vacation days.')
    const ts = freshTs()
    await postEvent(
      withFields(fileShare, {
        'event.ts': ts,
        event_id: `Ev${ts}`,
        'event.user': 'U0OTHER001',
        'event.channel': 'D0OTHER001',
        'event.files.0.id': id,
        'event.files.0.name': 'secret-plan.md',
        'event.files.0.url_private_download': `${inject('slackUrl')}/files/${id}`,
      }),
    )
    const calls = await afterJobs((c) => c)
    expect(calls.find((c) => c.path === `/files/${id}`)).toBeUndefined()
    expect(String(inThread(calls, 'D0OTHER001', ts)[0]?.body.text)).toMatch(
      /only the policy team can add handbooks/,
    )
  })

  it('names the file and the limit when a file is too large or not a document', async () => {
    const big = freshTs()
    const id = `F${big.replace('.', '')}`
    await putFile(id, '\u0000\u0001binary')
    await postEvent(
      withFields(fileShare, {
        'event.ts': big,
        event_id: `Ev${big}`,
        'event.files': [
          {
            id: 'FHUGE',
            name: 'huge.pdf',
            size: 50 * 2 ** 20,
            url_private_download: `${inject('slackUrl')}/files/FHUGE`,
          },
          { id, name: 'payload.exe', size: 8, url_private_download: `${inject('slackUrl')}/files/${id}` },
        ],
      }),
    )
    const [reply] = inThread(await afterJobs((c) => c), 'D0HR000001', big)
    expect(String(reply?.body.text)).toMatch(/huge\.pdf\*: 50\.0 MB is over the 20\.0 MB limit/)
    expect(String(reply?.body.text)).toMatch(/payload\.exe\*: .*Nothing was stored/)
  })

  it('says a download failed without repeating the platform’s own error text (a refused host)', async () => {
    const ts = freshTs()
    await postEvent(
      withFields(fileShare, {
        'event.ts': ts,
        event_id: `Ev${ts}`,
        'event.files': [
          {
            id: 'FMETADATA1',
            name: 'creds.md',
            size: 20,
            url_private_download: 'http://169.254.169.254/latest/meta-data/',
          },
        ],
      }),
    )
    const [reply] = inThread(await afterJobs((c) => c), 'D0HR000001', ts)
    const text = String(reply?.body.text)
    expect(text).toMatch(
      /creds\.md\*: it could not be read from slack \(the policy team can find the details in the logs\)\. Nothing was stored\./,
    )
    expect(text).not.toMatch(/169\.254|refusing host/)
  })

  it("refuses Slack's sign-in page (no files:read) instead of storing it as the handbook", async () => {
    const ts = freshTs()
    const id = `F${ts.replace('.', '')}`
    await fetch(`${inject('slackUrl')}/__files/${id}?as=signin`, { method: 'PUT', body: HANDBOOK })
    await postEvent(
      withFields(fileShare, {
        'event.ts': ts,
        event_id: `Ev${ts}`,
        'event.files': [
          {
            id,
            name: 'leave-notes.md',
            size: 200,
            url_private_download: `${inject('slackUrl')}/files/${id}`,
          },
        ],
      }),
    )
    const [reply] = inThread(await afterJobs((c) => c), 'D0HR000001', ts)
    expect(String(reply?.body.text)).toMatch(
      /leave-notes\.md\*: Slack sent a web page instead of the file \(is the files:read scope granted to the app\?\)\. Nothing was stored\./,
    )
    expect(String(reply?.body.text)).not.toMatch(/answerable now/)
  })

  it('asks files.info for the download link when the event carries none', async () => {
    const ts = freshTs()
    const id = `F${ts.replace('.', '')}`
    await putFile(id, HANDBOOK.replace('Travel policy', 'Rail travel policy'))
    await postEvent(
      withFields(fileShare, {
        'event.ts': ts,
        event_id: `Ev${ts}`,
        'event.files': [{ id, name: 'rail-policy.md', size: HANDBOOK.length }],
      }),
    )
    const calls = await afterJobs((c) => c)
    expect(calls.find((c) => c.method === 'files.info' && c.body.file === id)).toBeDefined()
    const [reply] = inThread(calls, 'D0HR000001', ts)
    expect(String(reply?.body.text)).toMatch(/rail-policy\.md.*Rail travel policy.*answerable now/s)
  })
})

describe('/policy slash command', () => {
  it('acknowledges at once and answers ephemerally through response_url', async () => {
    const trigger = `${freshTs()}.abc`
    const responseUrl = `${inject('slackUrl')}/hooks/commands/${trigger}`
    const body = new URLSearchParams({
      ...slashCommand,
      text: 'how many days of annual leave do I get?',
      trigger_id: trigger,
      response_url: responseUrl,
    }).toString()
    const res = await postSigned('/slack/commands', body, {
      contentType: 'application/x-www-form-urlencoded',
    })
    expect(await res.json()).toMatchObject({ response_type: 'ephemeral' })
    await drainJobs()
    const hook = (await slackCalls()).find((c) => c.path === `/hooks/commands/${trigger}`)
    expect(hook?.body.response_type).toBe('ephemeral')
    expect(blockText(hook?.body ?? {})).toContain('Annual leave')
  })
})
