import { escapeText } from '../../bots/slack/blocks'
import type { InboundFile, Place } from '../../bots/types'
import { isPolicybotError, PolicybotError, retryAdvice } from '../errors'
import { ingestBytes } from '../knowledge/ingest'
import type { Services } from '../services'
import { mayUpload } from './admins'
import { outboxFor } from './places'

/** Source kind of handbooks uploaded in chat: re-uploading a file name replaces that document. */
export const UPLOAD_SOURCE = 'upload'

/**
 * Ingests handbooks sent to the bot in a DM. Only policy admins and handbook uploaders may; each
 * file is checked against the size limit before download, parsed, chunked and stored atomically
 * (replacing the earlier upload of the same file name), and the uploader is told what was learnt
 * or, naming the file, why not. A bad file leaves nothing behind and does not stop the others.
 */
export async function ingestUpload(
  svc: Services,
  job: { place: Place; uploader: string; files: InboundFile[] },
): Promise<string[]> {
  const outbox = outboxFor(svc, job.place)
  if (!(await mayUpload(svc, job.uploader))) {
    const text =
      "Sorry, only the policy team can add handbooks. If this document should be answerable, send it to them (they're listed as policy admins)."
    await outbox.text(job.place, text)
    return [text]
  }
  const limit = svc.config.maxUploadBytes
  const lines: string[] = []
  for (const f of job.files) {
    if (f.size > limit) {
      lines.push(
        `:x: *${escapeText(f.name)}*: ${mb(f.size)} is over the ${mb(limit)} limit for uploads; nothing was stored.`,
      )
      continue
    }
    try {
      if (!svc.slack) throw new PolicybotError('CONFIG_INVALID', 'SLACK_BOT_TOKEN is not set')
      const url = f.url || (await downloadUrlOf(svc, f.id))
      const html = /\.html?$/i.test(f.name) || f.mimetype === 'text/html'
      const bytes = await svc.slack.download(url, limit, { html })
      const r = await ingestBytes(svc.db, svc.embedder, {
        sourceKind: UPLOAD_SOURCE,
        sourcePath: f.name,
        name: f.name,
        bytes,
        maxBytes: limit,
      })
      const what = [
        r.pages !== undefined ? `${r.pages} page${r.pages === 1 ? '' : 's'}` : undefined,
        `${r.sections} section${r.sections === 1 ? '' : 's'}`,
        `${r.chunks} passage${r.chunks === 1 ? '' : 's'}`,
      ]
        .filter(Boolean)
        .join(', ')
      const status =
        r.status === 'unchanged'
          ? 'unchanged (same content as the stored version)'
          : r.status === 'replaced'
            ? `replaced version ${r.replacedVersion} with version ${r.version}`
            : 'new'
      lines.push(
        `:white_check_mark: *${escapeText(f.name)}* — “${escapeText(r.title)}”: ${what}; ${status}. It is answerable now.`,
      )
    } catch (e) {
      // Slack or the database failing for a while is not the file's fault: the job is retried
      // (files already stored come back as unchanged).
      if (retryAdvice(e).retryable) throw e
      const message = isPolicybotError(e) ? e.message : e instanceof Error ? e.message : String(e)
      lines.push(
        `:x: *${escapeText(f.name)}*: ${escapeText(message.replace(/\.?$/, '.'))} Nothing was stored.`,
      )
    }
  }
  await outbox.text(job.place, lines.join('\n'))
  return lines
}

/**
 * A file's download link from `files.info`, for events that carried none (Slack leaves it out of
 * some file events).
 */
async function downloadUrlOf(svc: Services, fileId: string): Promise<string> {
  const res = await svc.slack?.call('files.info', { file: fileId })
  const file = (res?.file ?? {}) as { url_private_download?: string; url_private?: string }
  const url = file.url_private_download ?? file.url_private
  if (!url) throw new PolicybotError('PLATFORM_ERROR', 'Slack gave no download link for this file')
  return url
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1)} MB`
}
