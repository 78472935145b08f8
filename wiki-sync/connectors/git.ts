import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { frontMatterAudience, splitFrontMatter } from '../../workers/knowledge/parse/markdown'
import { type ChangePage, type Connector, ConnectorError, type Item, type ItemRef } from '../connector'
import { BlobReader } from './git-blobs'

/**
 * Handbooks-as-code: Markdown files in a git repository, a local one or a clone URL (kept as a
 * bare mirror in `cacheDir`). The committed state of `branch` is what is synced, never a working
 * tree. The cursor is the commit synced last; changes are `git diff -M` against it, so a rename
 * or move keeps the document's identity; item versions are blob ids, so a file whose bytes did not
 * change is never fetched again. Node only (it runs `git`).
 */
export interface GitOptions {
  /** A local repository path or a clone URL (https, ssh, file). */
  repo: string
  /** Default: the repository's HEAD. */
  branch?: string
  /** Only files under these folders (e.g. `["policies/"]`). */
  paths?: string[]
  /** A link for each page: `{path}` is replaced, e.g. `https://github.com/acme/hb/blob/main/{path}`. */
  urlTemplate?: string
  audience?: string[]
  /** Where clones of remote repositories live. */
  cacheDir: string
}

const run = promisify(execFile)
const MARKDOWN = /\.(md|markdown)$/i

export function createGitConnector(o: GitOptions): Connector {
  const local = !/^[a-z]+:\/\//i.test(o.repo) && !/^[\w.-]+@[\w.-]+:/.test(o.repo)
  const gitDir = local ? resolve(o.repo) : join(o.cacheDir, o.repo.replace(/[^\w.-]+/g, '_'))
  let prepared: Promise<string> | undefined
  /** Path → [commit time, author] of the last commit that touched it, per walked range. */
  let times: Map<string, [Date, string]> | undefined
  const gitArgs = () => (local ? ['-C', gitDir] : ['--git-dir', gitDir])
  const reader = new BlobReader(gitArgs())

  const git = async (args: string[]) => {
    try {
      const { stdout } = await run('git', [...gitArgs(), ...args], {
        maxBuffer: 512 * 1024 * 1024,
        encoding: 'buffer',
      })
      return stdout as Buffer
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string }
      throw new ConnectorError(
        'UPSTREAM',
        `git ${args[0]} in ${o.repo}: ${err.stderr?.toString().trim() || err.message}`,
      )
    }
  }

  /** Fetches (remote) and resolves the branch to a commit id, once per connector. */
  const revision = () => {
    prepared ??= (async () => {
      if (local) {
        if (!existsSync(gitDir) || !statSync(gitDir).isDirectory()) {
          throw new ConnectorError('CONFIG', `git repository ${o.repo} does not exist`)
        }
      } else if (!existsSync(gitDir)) {
        mkdirSync(o.cacheDir, { recursive: true })
        await run('git', ['clone', '--quiet', '--bare', o.repo, gitDir]).catch((e: { stderr?: string }) => {
          throw new ConnectorError('UPSTREAM', `git clone ${o.repo}: ${e.stderr?.trim() ?? e}`)
        })
      } else {
        await git(['fetch', '--quiet', '--prune', 'origin', '+refs/heads/*:refs/heads/*'])
      }
      return (await git(['rev-parse', '--verify', `${o.branch ?? 'HEAD'}^{commit}`])).toString().trim()
    })()
    return prepared
  }

  const wanted = (path: string) =>
    MARKDOWN.test(path) && (!o.paths?.length || o.paths.some((p) => path.startsWith(p.replace(/^\.?\//, ''))))

  /** `path → blob id` of the wanted files at a commit (optionally only some paths). */
  const blobs = async (rev: string, only?: string[]) => {
    const out = new Map<string, string>()
    const lists = only ? chunk(only, 500) : [[]]
    for (const paths of lists) {
      const raw = await git([
        'ls-tree',
        '-r',
        '-z',
        '--full-tree',
        rev,
        ...(paths.length ? ['--', ...paths] : []),
      ])
      for (const entry of raw.toString('utf8').split('\0')) {
        const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(entry)
        if (m && wanted(m[2] as string)) out.set(m[2] as string, m[1] as string)
      }
    }
    return out
  }

  /** Last commit time and author per path, walking `range` once. */
  const commitTimes = async (range: string) => {
    const map = new Map<string, [Date, string]>()
    // Dates need only which paths each commit touched: no rename detection, which would read old
    // blobs that a partial clone does not have. If the history cannot be read at all, pages are
    // dated now rather than not synced.
    const raw = await git([
      'log',
      '--format=%x01%cI%x02%an',
      '--name-only',
      '--no-renames',
      '-z',
      range,
    ]).then(
      (b) => b.toString('utf8'),
      () => '',
    )
    // Each commit: \x01 date \x02 author \0, then "\n" and its paths, each ending in \0.
    for (const block of raw.split('\x01').slice(1)) {
      const [head = '', ...paths] = block.split('\0')
      const [when, author] = head.split('\x02')
      for (const path of paths) {
        const p = path.replace(/^\n+/, '')
        if (p && !map.has(p)) map.set(p, [new Date(when as string), author ?? ''])
      }
    }
    return map
  }

  return {
    kind: 'git',

    async *changes(cursor): AsyncIterable<ChangePage> {
      const rev = await revision()
      const known = cursor
        ? await git(['cat-file', '-e', `${cursor}^{commit}`]).then(
            () => true,
            () => false,
          )
        : false
      if (!cursor || !known) {
        // First run, or history rewritten (force push): list everything; unchanged blobs cost nothing.
        times = await commitTimes(rev)
        const all = await blobs(rev)
        const items = [...all].map(([id, version]) => ({
          id,
          version,
          updatedAt: times?.get(id)?.[0] ?? new Date(),
        }))
        for (const part of chunk(items, 200)) yield { items: part }
        yield { items: [], cursor: rev }
        return
      }
      if (cursor === rev) {
        yield { items: [], cursor: rev }
        return
      }
      times = await commitTimes(`${cursor}..${rev}`)
      // Renames are found from the blobs' contents; where old blobs are missing (a partial clone),
      // the diff without them still says what was added and deleted.
      const raw = (
        await git(['diff', '--name-status', '-z', '-M', cursor, rev]).catch(() =>
          git(['diff', '--name-status', '-z', '--no-renames', cursor, rev]),
        )
      )
        .toString('utf8')
        .split('\0')
      const refs: ItemRef[] = []
      const current: string[] = []
      for (let i = 0; i < raw.length; ) {
        const status = raw[i++] ?? ''
        if (!status) continue
        if (status.startsWith('R') || status.startsWith('C')) {
          const from = raw[i++] as string
          const to = raw[i++] as string
          if (wanted(to)) {
            current.push(to)
            refs.push({
              id: to,
              version: '',
              updatedAt: new Date(),
              ...(status.startsWith('R') && wanted(from) ? { previousId: from } : {}),
            })
          }
          if (status.startsWith('R') && wanted(from) && !wanted(to))
            refs.push({ id: from, version: '', updatedAt: new Date(), deleted: true })
        } else {
          const path = raw[i++] as string
          if (!wanted(path)) continue
          if (status === 'D') refs.push({ id: path, version: '', updatedAt: new Date(), deleted: true })
          else {
            current.push(path)
            refs.push({ id: path, version: '', updatedAt: new Date() })
          }
        }
      }
      const ids = await blobs(rev, current)
      for (const r of refs) {
        if (!r.deleted) r.version = ids.get(r.id) ?? ''
        // A deletion is dated by the commit that deleted the path (the log lists deleted paths).
        r.updatedAt = times.get(r.id)?.[0] ?? new Date()
      }
      for (const part of chunk(refs, 200)) yield { items: part }
      yield { items: [], cursor: rev }
    },

    async fetch(ref): Promise<Item | null> {
      const rev = await revision()
      const version = ref.version || (await blobs(rev, [ref.id])).get(ref.id)
      if (!version) return null
      const blob = await reader.read(version).catch((e: Error) => {
        throw new ConnectorError('UPSTREAM', `git cat-file in ${o.repo}: ${e.message}`)
      })
      if (!blob) return null
      const text = blob.toString('utf8')
      // Read as an uploaded file is: front matter that sets an audience and cannot be read fails
      // the page instead of publishing it.
      const { frontMatter, body } = splitFrontMatter(text.replace(/^\uFEFF/, ''), ref.id)
      times ??= await commitTimes(rev)
      const [when, author] = times.get(ref.id) ?? [ref.updatedAt, undefined]
      const title =
        str(frontMatter.title) ??
        /^#\s+(.+)$/m.exec(body)?.[1]?.trim() ??
        ref.id.split('/').pop()?.replace(MARKDOWN, '') ??
        ref.id
      const audience = frontMatterAudience(frontMatter, ref.id) ?? []
      return {
        id: ref.id,
        version,
        title,
        updatedAt: when,
        markdown: body,
        location: ref.id,
        ...(o.urlTemplate ? { url: o.urlTemplate.replace('{path}', ref.id) } : {}),
        ...(author ? { author } : {}),
        // The page's own audience narrows the source's (see itemMarkdown).
        ...(audience.length ? { audience } : o.audience?.length ? { audience: [...o.audience] } : {}),
      }
    },

    async liveIds() {
      return new Set((await blobs(await revision())).keys())
    },

    close: () => reader.close(),
  }
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined)
function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n))
  return out.length ? out : []
}
