import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DINGTALK_WINDOW_MS, signDingTalk, verifyDingTalkSignature } from './verify'

describe('DingTalk callback signing', () => {
  const secret = 'this-is-the-app-secret'
  const timestamp = '1795694600000'
  // DingTalk's documented construction, computed independently with node:crypto.
  const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64')

  it('signs exactly as DingTalk documents: Base64(HMAC-SHA256(secret, timestamp + "\\n" + secret))', async () => {
    expect(await signDingTalk(secret, timestamp)).toBe(expected)
  })

  it('accepts a fresh signed request and refuses a wrong, stale or missing one', async () => {
    const now = Number(timestamp) + 1000
    expect(await verifyDingTalkSignature({ appSecret: secret, timestamp, sign: expected, now })).toEqual({
      ok: true,
    })
    expect(await verifyDingTalkSignature({ appSecret: 'other', timestamp, sign: expected, now })).toEqual({
      ok: false,
      reason: 'bad_signature',
    })
    expect(
      await verifyDingTalkSignature({
        appSecret: secret,
        timestamp,
        sign: expected,
        now: now + DINGTALK_WINDOW_MS,
      }),
    ).toEqual({ ok: false, reason: 'stale_timestamp' })
    expect(await verifyDingTalkSignature({ appSecret: secret, timestamp: 'x', sign: expected, now })).toEqual(
      {
        ok: false,
        reason: 'missing_headers',
      },
    )
  })
})
