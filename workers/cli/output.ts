/** Where a command writes: results to stdout, progress and problems to stderr. */
export interface Output {
  result(text: string): void
  progress(text: string): void
}

/** The process's own streams. */
export const processOutput: Output = {
  result: (text) => {
    process.stdout.write(`${text}\n`)
  },
  progress: (text) => {
    process.stderr.write(`${text}\n`)
  },
}
