import type { Chaos } from './chaos'
import { type RecordedRequest, startTestServer } from './http-server'

/**
 * A local Microsoft identity token endpoint and Bot Connector in one server: `POST
 * /{tenant}/oauth2/v2.0/token` (client credentials), `POST /v3/conversations/{id}/activities` and
 * `PUT /v3/conversations/{id}/activities/{activityId}`, with the documented response shapes and
 * Teams' streaming rules. Every request is recorded; tests in workerd read them with
 * `GET /__requests`. Use its URL as the login URL and as the activities' `serviceUrl`.
 */
export type ConnectorCall = RecordedRequest

const DENIED = { error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' } }

type StreamInfo = { type: 'streaminfo'; streamId?: string; streamType?: string; streamSequence?: number }
const streamInfoOf = (body: unknown): StreamInfo | undefined =>
  ((body as { entities?: StreamInfo[] } | undefined)?.entities ?? []).find((e) => e.type === 'streaminfo')
const streamError = (status: number, code: string, message: string) => ({
  status,
  json: { error: { code, message } },
})

export function startBotConnector(
  appId: string,
  appPassword: string,
  chaos?: Chaos,
  /** Entra ID group memberships by user (AAD object id), for Graph's checkMemberGroups. */
  directory: Record<string, string[]> = {},
) {
  let issued = 0
  let posted = 0
  /**
   * Teams' streaming rules (learn.microsoft.com, "Stream bot messages"): one-on-one chats only;
   * a stream starts with a `typing` activity at sequence 1 whose id becomes the `streamId`; each
   * later `typing` names it with the next sequence; a `message` with `streamType: final` ends it.
   */
  const streams = new Map<string, { sequence: number; ended: boolean; stopped?: boolean }>()
  const streamRefusal = (req: RecordedRequest) => {
    const info = streamInfoOf(req.body)
    if (!info) return undefined
    const activity = req.body as { type?: string }
    const conversation = decodeURIComponent(req.path.split('/')[3] ?? '')
    if (!conversation.startsWith('a:')) {
      return streamError(403, 'ContentStreamNotAllowed', 'Content stream is not allowed on a non-1:1 chat.')
    }
    if (!info.streamId) {
      return activity.type === 'typing' && info.streamType === 'streaming' && info.streamSequence === 1
        ? undefined
        : streamError(400, 'BadArgument', 'A stream starts with a typing activity at streamSequence 1.')
    }
    const stream = streams.get(info.streamId)
    if (!stream) return streamError(404, 'ContentStreamNotFound', 'Unknown streamId.')
    if (stream.ended) return streamError(403, 'ContentStreamHasEnded', 'The stream has already ended.')
    // The person pressed Stop: Teams refuses the rest of the stream.
    if (stream.stopped)
      return streamError(403, 'ContentStreamNotAllowed', 'The user stopped the streaming response.')
    if (info.streamType === 'final') {
      if (activity.type !== 'message')
        return streamError(400, 'BadArgument', 'The final activity is a message.')
      if (!(req.body as { text?: string }).text)
        return streamError(400, 'BadArgument', 'The final streaming message must carry text.')
      stream.ended = true
      return undefined
    }
    if (activity.type !== 'typing' || info.streamSequence !== stream.sequence + 1) {
      return streamError(403, 'ContentStreamSequenceOrderPreConditionFailed', 'Sequence out of order.')
    }
    stream.sequence++
    return undefined
  }
  return startTestServer((req) => {
    // Test control: the person presses Stop on a stream (`POST /__stop/{streamId}`).
    if (req.method === 'POST' && req.path.startsWith('/__stop/')) {
      const stream = streams.get(decodeURIComponent(req.path.slice('/__stop/'.length)))
      if (stream) stream.stopped = true
      return { json: { stopped: stream !== undefined } }
    }
    if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(req.path)) {
      const form = req.body as Record<string, string>
      if (form.client_id !== appId || form.client_secret !== appPassword) {
        return {
          status: 401,
          json: {
            error: 'invalid_client',
            error_description: 'AADSTS7000215: Invalid client secret provided.',
          },
        }
      }
      issued++
      // A token is for the resource its scope names: the Bot Connector's, or Microsoft Graph's.
      const graph = form.scope === 'https://graph.microsoft.com/.default'
      return {
        json: {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: `${graph ? 'graph' : 'bot'}-token-${issued}`,
        },
      }
    }
    // Microsoft Graph's checkMemberGroups: which of the given groups (at most 20) the user is in.
    const member = /^\/v1\.0\/users\/([^/]+)\/checkMemberGroups$/.exec(req.path)
    if (req.method === 'POST' && member) {
      if (!String(req.headers.authorization ?? '').startsWith('Bearer graph-token-'))
        return {
          status: 401,
          json: { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } },
        }
      const ids = (req.body as { groupIds?: string[] }).groupIds ?? []
      if (ids.length > 20)
        return { status: 400, json: { error: { code: 'Request_BadRequest', message: 'Too many groupIds.' } } }
      const groups = directory[decodeURIComponent(member[1] as string)] ?? []
      return {
        json: {
          '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Collection(Edm.String)',
          value: ids.filter((g) => groups.includes(g)),
        },
      }
    }
    const authorized = String(req.headers.authorization ?? '').startsWith('Bearer bot-token-')
    if (req.method === 'PUT' && /^\/v3\/conversations\/[^/]+\/activities\/[^/]+$/.test(req.path)) {
      if (!authorized) return { status: 401, json: DENIED }
      return { json: { id: decodeURIComponent(req.path.split('/').pop() as string) } }
    }
    if (/^\/v3\/conversations\/[^/]+\/activities$/.test(req.path)) {
      if (!authorized) return { status: 401, json: DENIED }
      const refused = streamRefusal(req)
      if (refused) return refused
      posted++
      const id = `1733${String(posted).padStart(9, '0')}`
      const info = streamInfoOf(req.body)
      if (info && !info.streamId) streams.set(id, { sequence: 1, ended: false })
      return { status: 201, json: { id: info?.streamId ?? id } }
    }
    return { status: 404, json: { error: { code: 'NotFound', message: req.path } } }
  }, chaos)
}
