import { existsSync, readFileSync } from 'node:fs'

/**
 * Reads a `.dev.vars` / `.env` file: `KEY=value` lines, `#` comments, optional single or double
 * quotes, `export ` prefixes. Missing file → empty. (The same format wrangler reads.)
 */
export function readDevVars(path: string): Record<string, string> {
  if (!existsSync(path)) return {}
  const out: Record<string, string> = {}
  for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    if (!m) continue
    let value = (m[2] ?? '').trim()
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1)
    out[m[1] as string] = value
  }
  return out
}

/** Writes variables in the same format, one per line, double-quoted (for `wrangler dev --env-file`). */
export function formatDevVars(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join('\n')
}
