/**
 * A small Slack Web API client over `fetch` (edge-safe: no SDK, no Node built-ins). Every call is
 * a POST with a JSON body and the bot token; Slack's `{ ok: false, error }` becomes a
 * `SlackApiError` whose `retryable` says whether a retry can help (rate limits, server errors).
 */

export class SlackApiError extends Error {
  override readonly name = 'SlackApiError'
  readonly code = 'SLACK_API_ERROR'
  constructor(
    readonly method: string,
    readonly slackError: string,
    readonly retryable: boolean,
    readonly retryAfterSeconds?: number,
  ) {
    super(`Slack ${method} failed: ${slackError}`)
  }
}

export interface SlackApiOptions {
  token: string
  /** Base URL ending in `/` (default `https://slack.com/api/`); tests point it at a local server. */
  apiUrl?: string
  fetch?: typeof fetch
}

/** Fields every Slack Web API response has. */
export interface SlackResponse {
  ok: boolean
  error?: string
  [key: string]: unknown
}

/** The Slack Web API methods the bot uses. */
export interface SlackApi {
  call(method: string, body: Record<string, unknown>): Promise<SlackResponse>
  /** Downloads a private file (`url_private_download`) with the bot token. */
  download(url: string, maxBytes: number): Promise<Uint8Array>
}

/** Hosts allowed to receive the bot token on a file download: Slack's own, or the configured API. */
function downloadAllowed(url: URL, apiUrl: URL): boolean {
  if (
    url.protocol === 'https:' &&
    (url.hostname === 'files.slack.com' || url.hostname.endsWith('.slack.com'))
  )
    return true
  return url.host === apiUrl.host && url.protocol === apiUrl.protocol
}

/** Creates the client. */
export function createSlackApi(options: SlackApiOptions): SlackApi {
  const base = options.apiUrl ?? 'https://slack.com/api/'
  const apiUrl = new URL(base)
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init))
  return {
    async call(method, body) {
      let res: Response
      try {
        res = await doFetch(new URL(method, apiUrl), {
          method: 'POST',
          headers: {
            authorization: `Bearer ${options.token}`,
            'content-type': 'application/json; charset=utf-8',
          },
          body: JSON.stringify(body),
        })
      } catch (e) {
        throw new SlackApiError(method, `network error: ${e instanceof Error ? e.message : String(e)}`, true)
      }
      if (res.status === 429) {
        const after = Number(res.headers.get('retry-after') ?? '1')
        throw new SlackApiError(method, 'ratelimited', true, Number.isFinite(after) ? after : 1)
      }
      if (res.status >= 500) throw new SlackApiError(method, `HTTP ${res.status}`, true)
      const json = (await res.json().catch(() => ({ ok: false, error: 'invalid_json' }))) as SlackResponse
      if (!json.ok) {
        const err = json.error ?? 'unknown_error'
        throw new SlackApiError(
          method,
          err,
          err === 'ratelimited' || err === 'internal_error' || err === 'fatal_error',
        )
      }
      return json
    },
    async download(url, maxBytes) {
      let target: URL
      try {
        target = new URL(url)
      } catch {
        throw new SlackApiError('files.download', `not a URL: ${url}`, false)
      }
      // The bot token must never travel to a host that is not Slack.
      if (!downloadAllowed(target, apiUrl))
        throw new SlackApiError('files.download', `refusing host ${target.host}`, false)
      const res = await doFetch(target, { headers: { authorization: `Bearer ${options.token}` } })
      if (!res.ok) throw new SlackApiError('files.download', `HTTP ${res.status}`, res.status >= 500)
      const declared = Number(res.headers.get('content-length') ?? '0')
      if (declared > maxBytes) throw new SlackApiError('files.download', 'too_large', false)
      const bytes = new Uint8Array(await res.arrayBuffer())
      if (bytes.length > maxBytes) throw new SlackApiError('files.download', 'too_large', false)
      return bytes
    },
  }
}
