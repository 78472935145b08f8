import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import type { Connector } from './connector'
import { ConnectorError } from './connector'
import { createGitConnector } from './connectors/git'
import { type ConnectorDeps, createRemoteConnector, parseSources, type SourceConfig } from './sources'

/**
 * Sources for Node (`policybot sync`): the sources file, with local git paths resolved against its
 * folder, and connectors for every kind, git included (clones live under `cacheDir`).
 */
export function loadSourcesFile(path: string): SourceConfig[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new ConnectorError(
      'CONFIG',
      `cannot read the sources file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
    )
  }
  const base = dirname(resolve(path))
  return parseSources(text, path).map((s) =>
    s.kind === 'git' &&
    !/^[a-z]+:\/\//i.test(s.repo) &&
    !/^[\w.-]+@[\w.-]+:/.test(s.repo) &&
    !isAbsolute(s.repo)
      ? { ...s, repo: resolve(base, s.repo) }
      : s,
  )
}

export function createConnector(source: SourceConfig, deps: ConnectorDeps & { cacheDir: string }): Connector {
  if (source.kind !== 'git') return createRemoteConnector(source, deps)
  return createGitConnector({
    repo: source.repo,
    paths: source.paths,
    cacheDir: join(deps.cacheDir, 'git'),
    ...(source.branch ? { branch: source.branch } : {}),
    ...(source.urlTemplate ? { urlTemplate: source.urlTemplate } : {}),
    ...(source.audience.length ? { audience: source.audience } : {}),
  })
}
