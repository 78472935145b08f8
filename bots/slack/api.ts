import { PolicybotError, reach, retryAfterHeader } from '../../workers/errors'
/**
 * A small Slack Web API client over `fetch` (edge-safe: no SDK, no Node built-ins). Every call is
 * a POST with a JSON body and the bot token; Slack's `{ ok: false, error }` becomes a
 * `SlackApiError` whose `retryable` says whether a retry can help (rate limits, server errors).
 */

export class SlackApiError extends PolicybotError {
  constructor(
    readonly method: string,
    readonly slackError: string,
    retryable: boolean,
    retryAfterSeconds?: number,
  ) {
    super('PLATFORM_ERROR', `Slack ${method} failed: ${slackError}`, {
      retryable,
      status: 502,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    })
  }
}

/**
 * Slack errors a later try can get past: rate limits and Slack's own failures. Everything else
 * (`channel_not_found`, `not_in_channel`, `invalid_blocks`, `invalid_auth`…) fails the same way
 * every time.
 */
const RETRYABLE_SLACK_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
])

/**
 * The longest `Retry-After` a call waits out in place (once) before giving up to the queue, which
 * waits as long as Slack asks without holding the Worker.
 */
const INLINE_RETRY_AFTER_S = 3

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
  /**
   * Downloads a private file (`url_private_download`) with the bot token. A web page where a file
   * was expected (Slack's sign-in page, answered with 200 when the app lacks `files:read`) is
   * refused unless `html` says the file is one.
   */
  download(url: string, maxBytes: number, options?: { html?: boolean }): Promise<Uint8Array>
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
  const callOnce = async (method: string, body: Record<string, unknown>): Promise<SlackResponse> => {
    const res = await reach(
      doFetch,
      new URL(method, apiUrl),
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${options.token}`,
          'content-type': 'application/json; charset=utf-8',
        },
        body: JSON.stringify(body),
      },
      (what) => new SlackApiError(method, `network error: ${what}`, true),
    )
    if (res.status === 429) {
      throw new SlackApiError(
        method,
        'ratelimited',
        true,
        retryAfterHeader(res.headers.get('retry-after')) ?? 1,
      )
    }
    if (res.status >= 500) throw new SlackApiError(method, `HTTP ${res.status}`, true)
    const json = (await res.json().catch(() => ({ ok: false, error: 'invalid_json' }))) as SlackResponse
    if (!json.ok) {
      const err = json.error ?? 'unknown_error'
      throw new SlackApiError(method, err, RETRYABLE_SLACK_ERRORS.has(err))
    }
    return json
  }
  return {
    async call(method, body) {
      try {
        return await callOnce(method, body)
      } catch (e) {
        // One wait in place for a short rate limit; longer ones go back to the queue.
        const after = e instanceof SlackApiError ? e.retryAfterSeconds : undefined
        if (after === undefined || after > INLINE_RETRY_AFTER_S) throw e
        await new Promise((r) => setTimeout(r, after * 1000))
        return callOnce(method, body)
      }
    },
    async download(url, maxBytes, downloadOptions = {}) {
      let target: URL
      try {
        target = new URL(url)
      } catch {
        throw new SlackApiError('files.download', `not a URL: ${url}`, false)
      }
      // The bot token must never travel to a host that is not Slack.
      if (!downloadAllowed(target, apiUrl))
        throw new SlackApiError('files.download', `refusing host ${target.host}`, false)
      const res = await reach(
        doFetch,
        target,
        { headers: { authorization: `Bearer ${options.token}` } },
        (what) => new SlackApiError('files.download', `network error: ${what}`, true),
        // A whole file (up to MAX_UPLOAD_MB) is read within this, not only the headers.
        120_000,
      )
      if (res.status === 429)
        throw new SlackApiError(
          'files.download',
          'ratelimited',
          true,
          retryAfterHeader(res.headers.get('retry-after')) ?? 1,
        )
      if (!res.ok) throw new SlackApiError('files.download', `HTTP ${res.status}`, res.status >= 500)
      if (!downloadOptions.html && /^text\/html\b/i.test(res.headers.get('content-type') ?? ''))
        // Said to the uploader as it is (a FILE_ error): it is about the file, and it says what to fix.
        throw new PolicybotError(
          'FILE_UNSUPPORTED',
          'Slack sent a web page instead of the file (is the files:read scope granted to the app?)',
        )
      const declared = Number(res.headers.get('content-length') ?? '0')
      const tooLarge = () =>
        new PolicybotError(
          'FILE_TOO_LARGE',
          `it is over the ${Math.round(maxBytes / 2 ** 20)} MB limit for uploads`,
        )
      if (declared > maxBytes) throw tooLarge()
      const bytes = new Uint8Array(await res.arrayBuffer())
      if (bytes.length > maxBytes) throw tooLarge()
      return bytes
    },
  }
}
