import type { InboundFile, Place } from '../../bots/types'
import { actorOf } from '../audit/log'
import { isPolicybotError, logError, PolicybotError, retryAdvice } from '../errors'
import { ingestBytes } from '../knowledge/ingest'
import { type UploadOutcome, uploadRefusedText, uploadReportText } from '../messages'
import { plainMarkup } from '../platform'
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
  const platform = svc.platforms.get(job.place.platform)
  if (!(await mayUpload(svc, { platform: job.place.platform, user: job.uploader }))) {
    const text = uploadRefusedText('en')
    await outbox.text(job.place, text)
    return [text]
  }
  const limit = svc.config.maxUploadBytes
  const outcomes: UploadOutcome[] = []
  for (const f of job.files) {
    if (f.size > limit) {
      outcomes.push({
        file: f.name,
        ok: false,
        why: `${mb(f.size)} is over the ${mb(limit)} limit for uploads`,
      })
      continue
    }
    try {
      if (!platform?.download)
        throw new PolicybotError(
          'CONFIG_INVALID',
          `files shared in ${job.place.platform} cannot be read here`,
        )
      const bytes = await platform.download(f, limit)
      const r = await ingestBytes(svc.db, svc.embedder, {
        sourceKind: UPLOAD_SOURCE,
        sourcePath: f.name,
        name: f.name,
        bytes,
        maxBytes: limit,
        // The new document or version is logged under the uploader, in the transaction storing it.
        audit: { actor: actorOf({ platform: job.place.platform, user: job.uploader }) },
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
      outcomes.push({ file: f.name, ok: true, title: r.title, what, status })
    } catch (e) {
      // The platform or the database failing for a while is not the file's fault: the job is
      // retried (files already stored come back as unchanged).
      if (retryAdvice(e).retryable) throw e
      // What is wrong with the file is ours to say; a platform's or library's own error text (a
      // refused download host, an OAuth reply) is not the uploader's business: it goes to the log.
      const own = isPolicybotError(e) && e.code.startsWith('FILE_')
      if (!own) logError(`upload of a file from ${job.place.platform} failed`, e)
      const why = own
        ? (e as Error).message
        : `it could not be read from ${job.place.platform} (the policy team can find the details in the logs)`
      outcomes.push({ file: f.name, ok: false, why })
    }
  }
  const lines = uploadReportText(outcomes, platform?.markup ?? plainMarkup)
  await outbox.text(job.place, lines)
  return lines.split('\n')
}

/** A byte count as people read sizes ("0.42 MB", "21.0 MB"). */
export function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1)} MB`
}
