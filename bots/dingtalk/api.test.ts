import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer } from '../../test/helpers/http-server'
import { retryAdvice } from '../../workers/errors'
import { createDingTalkApi } from './api'

/**
 * The DingTalk client's reading of DingTalk's failures, against a local server answering as
 * DingTalk does: which a later try can get past (throttling, DingTalk's own errors) and which not.
 */
let answer: { status?: number; json?: unknown } = {}
let server: Awaited<ReturnType<typeof startTestServer>>
beforeAll(async () => {
  server = await startTestServer((req) =>
    req.path === '/v1.0/oauth2/accessToken' ? { json: { accessToken: 'tok', expireIn: 7200 } } : answer,
  )
})
afterAll(() => server.close())

const send = () =>
  createDingTalkApi({ appKey: 'k', appSecret: 's', robotCode: 'r', apiUrl: server.url })
    .sendToUser('staff1', { title: 't', text: 'hi' })
    .then(
      () => undefined,
      (e: unknown) => e,
    )

describe('DingTalk API failures', () => {
  it('retries throttling and DingTalk outages', async () => {
    for (const a of [
      { status: 429, json: { code: 'Throttling', message: 'too many' } },
      { status: 503, json: {} },
      { json: { errcode: 90018, errmsg: 'over the per-second limit' } },
      { json: { errcode: 90002, errmsg: 'platform limit' } },
    ]) {
      answer = a
      expect(retryAdvice(await send())).toMatchObject({ retryable: true })
    }
  })

  it('waits out the IP block DingTalk answers with a page instead of an error code', async () => {
    answer = { json: { status: 1111, wait: 5, source: 'x5', punish: 'deny', uuid: 'x' } }
    expect(retryAdvice(await send())).toEqual({ retryable: true, retryAfterSeconds: 300 })
  })

  it('parks what fails the same way every time', async () => {
    for (const a of [
      { status: 400, json: { code: 'invalidParameter', message: 'bad robotCode' } },
      { json: { errcode: 90020, errmsg: 'monthly quota used up' } },
    ]) {
      answer = a
      expect(retryAdvice(await send())).toEqual({ retryable: false })
    }
  })
})
