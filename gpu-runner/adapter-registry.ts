import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AdapterConfig } from './config'
import { RunnerError } from './errors'

/**
 * The adapters each base model should serve: those in the config file, plus those added through
 * the API, which are remembered in `<stateDir>/adapters.json` so a restarted runner serves the
 * same set. Uploaded files live in `<stateDir>/adapters/<base>/<name>.gguf`.
 */
export interface AdapterEntry extends AdapterConfig {
  readonly source: 'config' | 'api'
  readonly addedAt?: string
}

export class AdapterRegistry {
  readonly #entries = new Map<string, AdapterEntry>()
  readonly #file: string

  constructor(
    readonly stateDir: string,
    configured: readonly AdapterConfig[],
  ) {
    this.#file = join(stateDir, 'adapters.json')
    for (const a of configured) this.#entries.set(key(a.base, a.name), { ...a, source: 'config' })
    for (const a of this.#readState()) {
      if (!this.#entries.has(key(a.base, a.name))) this.#entries.set(key(a.base, a.name), a)
    }
  }

  /** The folder an uploaded adapter file for `base` goes to. */
  uploadDir(base: string): string {
    const dir = join(this.stateDir, 'adapters', base)
    mkdirSync(dir, { recursive: true })
    return dir
  }

  get(base: string, name: string): AdapterEntry | undefined {
    return this.#entries.get(key(base, name))
  }

  /** The adapters of one base model (all of them without `base`), in a stable order. */
  list(base?: string): AdapterEntry[] {
    return [...this.#entries.values()]
      .filter((a) => base === undefined || a.base === base)
      .sort((a, b) => (a.base === b.base ? a.name.localeCompare(b.name) : a.base.localeCompare(b.base)))
  }

  /** Adds (or, with `replace`, replaces) an API adapter and persists the API-added set. */
  put(entry: Omit<AdapterEntry, 'source'>, replace: boolean): AdapterEntry {
    const k = key(entry.base, entry.name)
    const existing = this.#entries.get(k)
    if (existing?.source === 'config') {
      throw new RunnerError(
        'ADAPTER_IN_CONFIG',
        `adapter "${k}" is defined in the config file; change it there`,
      )
    }
    if (existing && !replace) {
      throw new RunnerError('ADAPTER_EXISTS', `adapter "${k}" exists; send replace=true to replace it`)
    }
    const added: AdapterEntry = { ...entry, source: 'api', addedAt: new Date().toISOString() }
    this.#entries.set(k, added)
    this.#persist()
    return added
  }

  /** Removes an API adapter (config ones are refused) and persists. */
  remove(base: string, name: string): AdapterEntry {
    const k = key(base, name)
    const existing = this.#entries.get(k)
    if (!existing) throw new RunnerError('ADAPTER_NOT_FOUND', `no adapter "${k}"`)
    if (existing.source === 'config') {
      throw new RunnerError(
        'ADAPTER_IN_CONFIG',
        `adapter "${k}" is defined in the config file; remove it there`,
      )
    }
    this.#entries.delete(k)
    this.#persist()
    return existing
  }

  /** Leaves a config adapter out of this run (its file is unusable); the config file is untouched. */
  skip(base: string, name: string): void {
    this.#entries.delete(key(base, name))
  }

  /** Puts an entry back exactly as it was (undo after a failed swap). */
  restore(entry: AdapterEntry | undefined, base: string, name: string): void {
    if (entry) this.#entries.set(key(base, name), entry)
    else this.#entries.delete(key(base, name))
    this.#persist()
  }

  #readState(): AdapterEntry[] {
    try {
      const parsed = JSON.parse(readFileSync(this.#file, 'utf8')) as { adapters?: AdapterEntry[] }
      return (parsed.adapters ?? []).map((a) => ({ ...a, source: 'api' as const }))
    } catch {
      return []
    }
  }

  #persist(): void {
    mkdirSync(this.stateDir, { recursive: true })
    const tmp = `${this.#file}.tmp`
    const adapters = [...this.#entries.values()].filter((a) => a.source === 'api')
    writeFileSync(tmp, `${JSON.stringify({ adapters }, null, 2)}\n`)
    renameSync(tmp, this.#file)
  }

  /** Deletes an uploaded file that is no longer registered (best effort). */
  static discard(path: string): void {
    rmSync(path, { force: true })
  }
}

function key(base: string, name: string): string {
  return `${base}:${name}`
}
