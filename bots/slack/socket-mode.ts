import { LogLevel, SocketModeClient } from '@slack/socket-mode'
import { signSlackRequest } from './verify'

/**
 * Slack over Socket Mode, for workspaces where the Worker has no public URL: a Node process holds
 * the WebSocket (Workers cannot), and every envelope is forwarded to the Worker's own HTTP routes
 * as Slack would have sent it — same body, signed with the signing secret — so one set of handlers
 * serves both transports. The envelope is acknowledged only when the Worker accepted it (2xx);
 * otherwise Slack redelivers it. Interaction and slash-command responses travel back in the ack.
 */
export interface SocketModeBridgeOptions {
  /** App-level token (`xapp-…`, scope `connections:write`). */
  appToken: string
  signingSecret: string
  /** The Worker, e.g. `http://127.0.0.1:8787/`. */
  workerUrl: string
  /** Slack Web API base URL (tests point it at a local server). */
  apiUrl?: string
  log?: (message: string) => void
}

export interface SocketModeBridge {
  stop(): Promise<void>
}

type Envelope = {
  ack: (response?: Record<string, unknown>) => Promise<void>
  type: string
  body: unknown
  retry_num?: number
  retry_reason?: string
}

/** Connects and starts forwarding; resolves once Slack's hello arrived. */
export async function startSocketModeBridge(options: SocketModeBridgeOptions): Promise<SocketModeBridge> {
  const client = new SocketModeClient({
    appToken: options.appToken,
    logLevel: LogLevel.ERROR,
    ...(options.apiUrl ? { clientOptions: { slackApiUrl: options.apiUrl } } : {}),
  })
  const forward = async (
    path: string,
    body: string,
    contentType: string,
    headers: Record<string, string> = {},
  ) => {
    const ts = Math.floor(Date.now() / 1000)
    const res = await fetch(new URL(path, options.workerUrl), {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': await signSlackRequest(options.signingSecret, ts, body),
        ...headers,
      },
      body,
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${path} answered HTTP ${res.status}: ${text.slice(0, 200)}`)
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined
  }
  client.on('slack_event', async (e: Envelope) => {
    try {
      if (e.type === 'events_api') {
        await forward('slack/events', JSON.stringify(e.body), 'application/json', {
          ...(e.retry_num ? { 'x-slack-retry-num': String(e.retry_num) } : {}),
          ...(e.retry_reason ? { 'x-slack-retry-reason': e.retry_reason } : {}),
        })
        await e.ack()
      } else if (e.type === 'interactive') {
        const form = new URLSearchParams({ payload: JSON.stringify(e.body) }).toString()
        await e.ack(await forward('slack/interactions', form, 'application/x-www-form-urlencoded'))
      } else if (e.type === 'slash_commands') {
        const fields = Object.fromEntries(
          Object.entries(e.body as Record<string, unknown>).map(([k, v]) => [k, String(v ?? '')]),
        )
        const form = new URLSearchParams(fields).toString()
        await e.ack(await forward('slack/commands', form, 'application/x-www-form-urlencoded'))
      }
    } catch (err) {
      // Not acknowledged: Slack delivers the envelope again.
      options.log?.(
        `Socket Mode: ${e.type} not forwarded: ${err instanceof Error ? err.message : String(err)}`,
      )
    }
  })
  await client.start()
  return {
    async stop() {
      await client.disconnect()
    },
  }
}
