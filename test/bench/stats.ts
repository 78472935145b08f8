/** Figures the benchmarks print. */

/** The `q` quantile (0–1) of `xs` by nearest rank; NaN when there is nothing to rank. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN
}

/** One line of the report on stdout. */
export const print = (s = '') => process.stdout.write(`${s}\n`)
