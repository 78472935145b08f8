import { readdir, stat } from 'node:fs/promises'
import { basename, join, relative, sep } from 'node:path'
import { PolicybotError } from '../errors'
import { formatOf } from '../knowledge/parse'

/** A file to ingest and the source path it is stored under. */
export interface FileToIngest {
  absolute: string
  sourcePath: string
  size: number
  mtime: Date
}

export interface CollectedFiles {
  files: FileToIngest[]
  /** Files under a directory with a type we do not ingest (images, spreadsheets…): skipped, not failed. */
  skipped: string[]
}

const IGNORED_DIRS = new Set(['node_modules', '.git', '.svn', '.hg', '__pycache__'])

/**
 * Expands the command line's paths: a file is stored under its name; a directory's files under
 * their path relative to that directory (`ingest handbooks/` stores `acme/leave.md`), with `/`
 * separators on every platform. Hidden files and folders are skipped. A path that does not exist
 * is an error naming it.
 */
export async function collectFiles(paths: readonly string[]): Promise<CollectedFiles> {
  const files: FileToIngest[] = []
  const skipped: string[] = []
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined)
    if (!info) throw new PolicybotError('FILE_NOT_FOUND', `${p}: no such file or directory.`)
    if (info.isDirectory()) {
      for await (const abs of walk(p)) {
        const rel = relative(p, abs).split(sep).join('/')
        if (!formatOf(abs)) {
          skipped.push(rel)
          continue
        }
        const s = await stat(abs)
        files.push({ absolute: abs, sourcePath: rel, size: s.size, mtime: s.mtime })
      }
    } else {
      files.push({ absolute: p, sourcePath: basename(p), size: info.size, mtime: info.mtime })
    }
  }
  return { files, skipped }
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true })
  entries.sort((a, b) => a.name.localeCompare(b.name))
  for (const e of entries) {
    if (e.name.startsWith('.')) continue
    const full = join(dir, e.name)
    if (e.isDirectory()) {
      if (!IGNORED_DIRS.has(e.name)) yield* walk(full)
    } else if (e.isFile()) yield full
  }
}
