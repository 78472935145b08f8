import { describe, expect, it } from 'vitest'
import example from '../../test/fixtures/slack/signing_example.json'
import { constantTimeEqual, signSlackRequest, verifySlackSignature } from './verify'

const now = Number(example.timestamp) * 1000

describe('verifySlackSignature', () => {
  it("accepts Slack's documented example request", async () => {
    expect(
      await verifySlackSignature({
        signingSecret: example.signingSecret,
        timestamp: example.timestamp,
        signature: example.signature,
        rawBody: example.body,
        now,
      }),
    ).toEqual({ ok: true })
    expect(await signSlackRequest(example.signingSecret, Number(example.timestamp), example.body)).toBe(
      example.signature,
    )
  })

  it('rejects a body changed by one character', async () => {
    const v = await verifySlackSignature({
      signingSecret: example.signingSecret,
      timestamp: example.timestamp,
      signature: example.signature,
      rawBody: example.body.replace('roadrunner', 'roadrunnes'),
      now,
    })
    expect(v).toEqual({ ok: false, reason: 'bad_signature' })
  })

  it('rejects timestamps more than five minutes away, either side', async () => {
    for (const skew of [5 * 60 * 1000 + 1000, -(5 * 60 * 1000 + 1000)]) {
      const v = await verifySlackSignature({
        signingSecret: example.signingSecret,
        timestamp: example.timestamp,
        signature: example.signature,
        rawBody: example.body,
        now: now + skew,
      })
      expect(v).toEqual({ ok: false, reason: 'stale_timestamp' })
    }
  })

  it('rejects missing or malformed headers', async () => {
    const base = { signingSecret: 's', rawBody: '', now }
    expect((await verifySlackSignature({ ...base, timestamp: null, signature: 'v0=ab' })).ok).toBe(false)
    expect((await verifySlackSignature({ ...base, timestamp: '12a', signature: 'v0=ab' })).ok).toBe(false)
    expect(
      (await verifySlackSignature({ ...base, timestamp: example.timestamp, signature: 'v1=ab' })).ok,
    ).toBe(false)
  })

  it('compares equal strings as equal and different lengths as different', () => {
    expect(constantTimeEqual('v0=abc', 'v0=abc')).toBe(true)
    expect(constantTimeEqual('v0=abc', 'v0=abd')).toBe(false)
    expect(constantTimeEqual('v0=abc', 'v0=abcd')).toBe(false)
  })
})
