import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SlackFault, startSlackApi } from '../../test/helpers/slack-api'
import { retryAdvice } from '../../workers/errors'
import { createSlackApi } from './api'

/** The Slack client against the local Slack stand-in, which plays Slack's failures on request. */
let slack: Awaited<ReturnType<typeof startSlackApi>>
beforeAll(async () => {
  slack = await startSlackApi({ token: 'xoxb-1' })
})
afterAll(() => slack.close())
const fault = (f: SlackFault) => fetch(`${slack.url}/__faults`, { method: 'PUT', body: JSON.stringify([f]) })
const api = () => createSlackApi({ token: 'xoxb-1', apiUrl: slack.apiUrl })

describe('Slack Web API client', () => {
  it('waits out a short Retry-After once, in place', async () => {
    await fault({ channel: 'C1', status: 429, retryAfter: 1, times: 1 })
    const from = slack.calls.length
    const started = Date.now()
    const res = await api().call('chat.postMessage', { channel: 'C1', text: 'hi' })
    expect(res.ok).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    expect(slack.calls.slice(from).map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage'])
  })

  it('hands a long Retry-After to the queue: retryable, with the delay Slack asked for', async () => {
    await fault({ channel: 'C2', status: 429, retryAfter: 30, times: 1 })
    const e = await api()
      .call('chat.postMessage', { channel: 'C2', text: 'hi' })
      .catch((err: unknown) => err)
    expect(retryAdvice(e)).toEqual({ retryable: true, retryAfterSeconds: 30 })
  })

  it('tells errors that pass from errors that do not', async () => {
    await fault({ channel: 'C3', status: 503, times: 1 })
    const outage = await api()
      .call('chat.postMessage', { channel: 'C3', text: 'hi' })
      .catch((err: unknown) => err)
    expect(retryAdvice(outage)).toEqual({ retryable: true })
    for (const error of ['channel_not_found', 'invalid_blocks', 'not_in_channel']) {
      await fault({ channel: 'C4', error, times: 1 })
      const refused = await api()
        .call('chat.postMessage', { channel: 'C4', text: 'hi' })
        .catch((err: unknown) => err)
      expect(retryAdvice(refused)).toEqual({ retryable: false })
      expect(String(refused)).toContain(error)
    }
  })
})
