import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { RunnerError } from '../errors'

/**
 * Bearer-token check in constant time: both sides are hashed first, so neither the comparison
 * nor an early length mismatch tells an attacker anything about the key. No key configured
 * (loopback only, enforced by the config) means no check.
 */
export function createAuthCheck(apiKey: string | undefined): (req: IncomingMessage) => void {
  if (!apiKey) return () => {}
  const expected = createHash('sha256').update(apiKey).digest()
  return (req) => {
    const header = req.headers.authorization ?? ''
    const m = /^Bearer\s+(.+)$/i.exec(header)
    const given = createHash('sha256')
      .update(m?.[1]?.trim() ?? '')
      .digest()
    if (!m || !timingSafeEqual(given, expected)) {
      throw new RunnerError(
        'INVALID_API_KEY',
        m ? 'incorrect API key' : 'missing API key: send Authorization: Bearer <RUNNER_API_KEY>',
      )
    }
  }
}
