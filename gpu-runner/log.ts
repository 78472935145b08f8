/**
 * The runner's logger: one JSON object per line on stderr (journald and docker read it as is).
 * `RUNNER_LOG=debug` adds llama-server's own output; tests pass a silent or capturing logger.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 }

/** A logger that writes levels at or above `min` to `write` (stderr by default). */
export function createLogger(
  min: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  return (level, msg, fields) => {
    if (ORDER[level] < ORDER[min]) return
    write(`${JSON.stringify({ t: new Date().toISOString(), level, msg, ...fields })}\n`)
  }
}

export const silentLogger: Logger = () => {}
