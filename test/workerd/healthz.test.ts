import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

describe('the Worker in workerd', () => {
  it('answers /healthz from the Workers runtime', async () => {
    const res = await exports.default.fetch('http://policybot.test/healthz')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { ok: boolean; runtime: string }
    expect(body.ok).toBe(true)
    expect(body.runtime).toBe('Cloudflare-Workers')
  })

  it('answers unknown routes with the JSON error envelope', async () => {
    const res = await exports.default.fetch('http://policybot.test/nope', { method: 'POST' })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      error: { message: 'No route for POST /nope', type: 'not_found', code: 'NOT_FOUND' },
    })
  })
})
