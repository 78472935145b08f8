import { and, eq, isNull, sql } from 'drizzle-orm'
import { Hono } from 'hono'
import { sourceStatuses } from '../../wiki-sync/state'
import { actorOf } from '../audit/log'
import { workerConfig } from '../config'
import { queryRows } from '../db/client'
import { documents, syncSources } from '../db/schema'
import { isPolicybotError } from '../errors'
import { problem } from '../http'
import { ingestBytes } from '../knowledge/ingest'
import { deleteDocument } from '../knowledge/store'
import { mb, UPLOAD_SOURCE } from '../pipeline/upload'
import { EDGE_KINDS } from '../pipeline/wiki-sync'
import { withServices } from '../services'
import { type ConsoleEnv, requireRole } from './auth'

/**
 * The console's documents and wiki sources (`/api/documents`, `/api/sources`), for uploaders and
 * admins: what is in the index and from where, uploads (one file a request, the raw bytes, so the
 * page shows each file's progress and result), deletion of uploads, each source's freshness and
 * failures, and "sync now" for the sources the Worker syncs. Viewers see none of it: a restricted
 * document's title is itself information.
 */
export const libraryRoutes = new Hono<ConsoleEnv>()

const bad = (message: string, code = 'BAD_REQUEST') => problem(message, code)

/** Every live document, newest change first, with its passage count. */
libraryRoutes.get('/documents', requireRole('uploader'), async (c) =>
  withServices(c.env, c.executionCtx, async (svc) => {
    const rows = await queryRows<{
      id: number
      source_kind: string
      source_path: string
      title: string
      url: string | null
      format: string
      version: number
      language: string
      audience: string[]
      page_count: number | null
      updated_at: string | Date
      ingested_at: string | Date
      chunks: number
    }>(
      svc.db,
      sql`SELECT d.id, d.source_kind, d.source_path, d.title, d.url, d.format, d.version, d.language,
                 d.audience, d.page_count, d.updated_at, d.ingested_at,
                 (SELECT count(*)::int FROM chunks c WHERE c.document_id = d.id) AS chunks
          FROM documents d WHERE d.deleted_at IS NULL
          ORDER BY d.ingested_at DESC, d.id DESC LIMIT 2000`,
      'list documents',
    )
    c.header('cache-control', 'no-store')
    return c.json(
      rows.map((r) => ({
        id: r.id,
        sourceKind: r.source_kind,
        sourcePath: r.source_path,
        title: r.title,
        url: r.url,
        format: r.format,
        version: r.version,
        language: r.language,
        audience: r.audience,
        pages: r.page_count,
        chunks: r.chunks,
        updatedAt: new Date(r.updated_at).toISOString(),
        ingestedAt: new Date(r.ingested_at).toISOString(),
        // Synced pages leave with their source (or its sync); uploads are removed here.
        removable: r.source_kind === UPLOAD_SOURCE,
      })),
    )
  }),
)

/**
 * `POST /api/documents?name=<file name>`, the file's bytes as the body. The same checks and store
 * as a handbook sent to the bot: re-uploading a name replaces that document (a new version).
 */
libraryRoutes.post('/documents', requireRole('uploader'), async (c) => {
  const name = (c.req.query('name') ?? '').trim()
  if (!name || name.length > 255 || /[\\/\p{Cc}]/u.test(name))
    return c.json(bad('name the file: ?name=<file name> (no slashes or control characters)'), 400)
  const limit = workerConfig(c.env).maxUploadBytes
  const declared = Number(c.req.header('content-length') ?? Number.NaN)
  const tooLarge = () =>
    c.json(
      bad(
        `${name}: ${mb(Number.isFinite(declared) ? declared : limit + 1)} is over the ${mb(limit)} limit for uploads`,
        'FILE_TOO_LARGE',
      ),
      413,
    )
  if (Number.isFinite(declared) && declared > limit) return tooLarge()
  const bytes = new Uint8Array(await c.req.arrayBuffer())
  if (bytes.byteLength > limit) return tooLarge()
  return withServices(c.env, c.executionCtx, async (svc) => {
    const user = c.get('user')
    try {
      const r = await ingestBytes(svc.db, svc.embedder, {
        sourceKind: UPLOAD_SOURCE,
        sourcePath: name,
        name,
        bytes,
        maxBytes: limit,
        audit: { actor: actorOf({ platform: 'web', user: user.id }) },
      })
      return c.json({
        file: name,
        documentId: r.documentId,
        title: r.title,
        status: r.status,
        version: r.version,
        chunks: r.chunks,
        sections: r.sections,
        ...(r.pages !== undefined ? { pages: r.pages } : {}),
      })
    } catch (e) {
      // What is wrong with the file is said with its name; anything else is ours (500, logged).
      if (isPolicybotError(e) && e.code.startsWith('FILE_')) return c.json(bad(e.message, e.code), 422)
      throw e
    }
  })
})

libraryRoutes.delete('/documents/:id', requireRole('uploader'), async (c) => {
  const id = Number(c.req.param('id'))
  if (!Number.isInteger(id)) return c.json(bad('document id must be a number'), 400)
  return withServices(c.env, c.executionCtx, async (svc) => {
    const [doc] = await svc.db
      .select()
      .from(documents)
      .where(and(eq(documents.id, id), isNull(documents.deletedAt)))
    if (!doc) return c.json(problem(`No document ${id}`, 'NOT_FOUND', 'not_found'), 404)
    if (doc.sourceKind !== UPLOAD_SOURCE) {
      const source = doc.sourcePath.split('/')[0]
      return c.json(
        problem(
          `"${doc.title}" is synced from the wiki source "${source}": delete it there, or retire the source (policybot sources remove ${source}).`,
          'SYNCED_DOCUMENT',
          'conflict',
        ),
        409,
      )
    }
    const user = c.get('user')
    await deleteDocument(svc.db, doc.sourceKind, doc.sourcePath, {
      actor: actorOf({ platform: 'web', user: user.id }),
    })
    return c.json({ ok: true })
  })
})

/** Each wiki source: pages, last success, freshness, failing pages and the last run. */
libraryRoutes.get('/sources', requireRole('uploader'), async (c) =>
  withServices(c.env, c.executionCtx, async (svc) => {
    const list = await sourceStatuses(svc.db)
    c.header('cache-control', 'no-store')
    return c.json(list.map((s) => ({ ...s, syncsHere: EDGE_KINDS.includes(s.kind) })))
  }),
)

/** "Sync now": queues the source's sync job, as the cron would. Git sources sync from Node. */
libraryRoutes.post('/sources/:name/sync', requireRole('admin'), async (c) => {
  const name = c.req.param('name')
  return withServices(c.env, c.executionCtx, async (svc) => {
    const [source] = await svc.db.select().from(syncSources).where(eq(syncSources.name, name))
    if (!source) return c.json(problem(`No source named "${name}"`, 'NOT_FOUND', 'not_found'), 404)
    if (!EDGE_KINDS.includes(source.kind))
      return c.json(
        problem(
          `"${name}" is a ${source.kind} source: it syncs from Node (policybot sync --source ${name}), not from the Worker.`,
          'SYNCS_ELSEWHERE',
          'conflict',
        ),
        409,
      )
    await svc.env.JOBS.send({ type: 'sync', source: name })
    return c.json({ queued: true })
  })
})
