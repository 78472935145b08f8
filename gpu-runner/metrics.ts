/**
 * A small Prometheus registry (text format 0.0.4): counters, gauges read at scrape time, and
 * histograms, all with labels. Enough for the runner's own figures without a dependency; the
 * llama-server instances' own metrics are appended by the scrape handler.
 */
type Labels = Readonly<Record<string, string>>

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`,
  )
  return parts.length ? `{${parts.join(',')}}` : ''
}

interface Metric {
  render(): string[]
}

export class Counter implements Metric {
  readonly #values = new Map<string, number>()
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = labelText(labels)
    this.#values.set(k, (this.#values.get(k) ?? 0) + by)
  }
  /** The current value (tests and benchmarks read it). */
  get(labels: Labels = {}): number {
    return this.#values.get(labelText(labels)) ?? 0
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} counter`,
      ...[...this.#values].map(([k, v]) => `${this.name}${k} ${v}`),
    ]
  }
}

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly read: () => Array<[Labels, number]>,
  ) {}
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} gauge`,
      ...this.read().map(([l, v]) => `${this.name}${labelText(l)} ${v}`),
    ]
  }
}

export class Histogram implements Metric {
  readonly #series = new Map<string, { labels: Labels; counts: number[]; sum: number; n: number }>()
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}
  observe(labels: Labels, value: number): void {
    const k = labelText(labels)
    let s = this.#series.get(k)
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, n: 0 }
      this.#series.set(k, s)
    }
    this.buckets.forEach((b, i) => {
      if (value <= b) (s.counts[i] as number)++
    })
    s.sum += value
    s.n++
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const s of this.#series.values()) {
      this.buckets.forEach((b, i) => {
        out.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`)
      })
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.n}`)
      out.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`)
      out.push(`${this.name}_count${labelText(s.labels)} ${s.n}`)
    }
    return out
  }
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

/** The runner's metrics, one registry per runner. */
export function createRunnerMetrics() {
  const list: Metric[] = []
  const add = <M extends Metric>(m: M): M => {
    list.push(m)
    return m
  }
  return {
    requests: add(
      new Counter(
        'policybot_runner_requests_total',
        'Requests by route, model, adapter (empty: the base model) and status.',
      ),
    ),
    duration: add(
      new Histogram('policybot_runner_request_duration_seconds', 'Whole-request latency.', SECONDS),
    ),
    firstByte: add(
      new Histogram(
        'policybot_runner_time_to_first_byte_seconds',
        'Time to the first response byte (first token when streaming).',
        SECONDS,
      ),
    ),
    swaps: add(
      new Counter('policybot_runner_adapter_swaps_total', 'Adapter-set changes by model and result.'),
    ),
    swapSeconds: add(
      new Histogram('policybot_runner_adapter_swap_seconds', 'From change requested to serving it.', SECONDS),
    ),
    restarts: add(
      new Counter('policybot_runner_restarts_total', 'llama-server restarts after an unexpected exit.'),
    ),
    /** Tokens of retired generations; the scrape adds the live ones (see api/metrics-route.ts). */
    retiredTokens: new Counter('policybot_runner_tokens_total', 'Prompt and generated tokens by model.'),
    /** Adds a gauge read at scrape time. */
    gauge(name: string, help: string, read: () => Array<[Labels, number]>): void {
      add(new Gauge(name, help, read))
    },
    render(): string {
      return `${list.flatMap((m) => m.render()).join('\n')}\n`
    },
  }
}

export type RunnerMetrics = ReturnType<typeof createRunnerMetrics>
