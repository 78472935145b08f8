import type { IncomingMessage, ServerResponse } from 'node:http'
import { rng } from '../bench/synthetic'

/**
 * Faults a local platform stand-in plays on a share of the calls it receives, chosen by a seeded
 * generator so a run can be repeated: a 429 with `Retry-After`, a 500, a connection held open and
 * then dropped (a timeout), a connection reset, or the platform's permanent refusal; and outage
 * windows in which every call gets 503. Faults strike before the platform acts on a call, as a
 * refused connection, an overloaded front end or a rate limiter would.
 */
export type FaultKind = 'ratelimit' | 'server' | 'timeout' | 'reset' | 'permanent'

export interface ChaosSpec {
  seed: number
  /** Share of calls (0–1) that meet a fault, outside outages. */
  share: number
  kinds: FaultKind[]
  /** Epoch-ms windows in which every call answers 503. */
  outages?: { from: number; to: number }[]
  /** How long a "timeout" holds the connection before dropping it. */
  timeoutMs?: number
  /** Largest `Retry-After` sent with a 429, in seconds (each is 1 to this). */
  maxRetryAfter?: number
  /** The platform's permanent refusal (status and body). */
  permanent: { status: number; json: unknown }
  /** Paths never faulted (the bench's own reads). */
  exempt?: (path: string) => boolean
}

export type Verdict = { kind: FaultKind | 'outage'; status?: number; retryAfter?: number; json?: unknown }

export function createChaos() {
  let spec: ChaosSpec | undefined
  let random = rng(1)
  const tally: Record<string, number> = {}
  return {
    tally,
    set(s: ChaosSpec | undefined) {
      spec = s
      random = rng(s?.seed ?? 1)
    },
    /** The fault for a call to `path` now, if any. */
    decide(path: string, now = Date.now()): Verdict | undefined {
      if (!spec || path.startsWith('/__') || spec.exempt?.(path)) return undefined
      let v: Verdict | undefined
      if (spec.outages?.some((o) => now >= o.from && now < o.to))
        v = { kind: 'outage', status: 503, json: { ok: false, error: 'service_unavailable' } }
      else if (random() < spec.share) {
        const kind = spec.kinds[Math.floor(random() * spec.kinds.length)] as FaultKind
        if (kind === 'ratelimit')
          v = {
            kind,
            status: 429,
            retryAfter: 1 + Math.floor(random() * (spec.maxRetryAfter ?? 10)),
            json: { ok: false, error: 'ratelimited' },
          }
        else if (kind === 'server') v = { kind, status: 500, json: { ok: false, error: 'internal_error' } }
        else if (kind === 'permanent') v = { kind, ...spec.permanent }
        else v = { kind }
      }
      if (v) tally[v.kind] = (tally[v.kind] ?? 0) + 1
      return v
    },
    /** Plays a verdict on a Node response. */
    play(v: Verdict, req: IncomingMessage, res: ServerResponse) {
      if (v.kind === 'reset') return void req.socket.destroy()
      if (v.kind === 'timeout') return void setTimeout(() => req.socket.destroy(), spec?.timeoutMs ?? 20_000)
      res.writeHead(v.status ?? 500, {
        'content-type': 'application/json',
        ...(v.retryAfter !== undefined ? { 'retry-after': String(v.retryAfter) } : {}),
      })
      res.end(JSON.stringify(v.json ?? {}))
    },
  }
}

export type Chaos = ReturnType<typeof createChaos>
