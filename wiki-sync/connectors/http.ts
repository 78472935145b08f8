import { ConnectorError } from '../connector'

/**
 * The one HTTP helper of the remote connectors: JSON GET/POST with the retry policy the platforms
 * document. 429 and 503 honour `Retry-After` (seconds or an HTTP date), 408, 409, other 5xx and network
 * errors back off exponentially with jitter, capped; 401/403 are `AUTH` at once (retrying a bad
 * token only burns the rate limit); 404 is `NOT_FOUND`. Injected `fetch` and `sleep` for tests.
 */
export interface HttpOptions {
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
  /** Attempts in all (default 5). */
  attempts?: number
  /** Longest single wait, also for `Retry-After` (default 60 s). */
  maxWaitMs?: number
  signal?: AbortSignal
}

export interface RequestSpec {
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: unknown
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Seconds or an HTTP date, as milliseconds from now (undefined when absent or unreadable). */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined
  const secs = Number(value)
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000)
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Fetches `url` and parses JSON, retrying as documented above. */
export async function requestJson<T>(url: string, spec: RequestSpec, o: HttpOptions = {}): Promise<T> {
  const doFetch = o.fetch ?? fetch
  const sleep = o.sleep ?? defaultSleep
  const attempts = o.attempts ?? 5
  const maxWait = o.maxWaitMs ?? 60_000
  let last: unknown
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let res: Response
    try {
      res = await doFetch(url, {
        method: spec.method ?? 'GET',
        headers: {
          accept: 'application/json',
          ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...spec.headers,
        },
        ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      })
    } catch (e) {
      if (o.signal?.aborted) throw e
      last = new ConnectorError('UPSTREAM', `${url}: ${(e as Error).message}`, undefined, { cause: e })
      if (attempt < attempts) await sleep(backoff(attempt, maxWait))
      continue
    }
    if (res.ok) {
      try {
        return (await res.json()) as T
      } catch (e) {
        throw new ConnectorError('BAD_RESPONSE', `${url}: the response is not JSON`, res.status, { cause: e })
      }
    }
    const text = await res.text().catch(() => '')
    const detail = `${spec.method ?? 'GET'} ${url} → ${res.status}${text ? `: ${text.slice(0, 300)}` : ''}`
    if (res.status === 401 || res.status === 403) throw new ConnectorError('AUTH', detail, res.status)
    if (res.status === 404) throw new ConnectorError('NOT_FOUND', detail, res.status)
    if (res.status === 408 || res.status === 409 || res.status === 429 || res.status >= 500) {
      // 409: Notion's conflict_error ("retry the request"); 408: a timeout on their side.
      last = new ConnectorError(res.status === 429 ? 'RATE_LIMITED' : 'UPSTREAM', detail, res.status)
      if (attempt < attempts) {
        const wait = retryAfterMs(res.headers.get('retry-after')) ?? backoff(attempt, maxWait)
        await sleep(Math.min(wait, maxWait))
      }
      continue
    }
    throw new ConnectorError('BAD_RESPONSE', detail, res.status)
  }
  throw last
}

/** 0.5 s, 1 s, 2 s, … with ±25 % jitter, capped. */
function backoff(attempt: number, cap: number): number {
  const base = Math.min(cap, 500 * 2 ** (attempt - 1))
  return base * (0.75 + Math.random() * 0.5)
}
