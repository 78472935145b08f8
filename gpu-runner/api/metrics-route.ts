import type { RunnerMetrics } from '../metrics'
import type { Generation, ModelPool } from '../pool/model-pool'

/**
 * `GET /metrics`: the runner's own metrics, token totals over every generation (retired ones are
 * remembered, live ones scraped now), and each live llama-server's metrics relabelled with
 * `model` and `generation` so several instances never collide, each family written once.
 */
const TOKEN_SERIES = {
  'llamacpp:prompt_tokens_total': 'prompt',
  'llamacpp:tokens_predicted_total': 'predicted',
} as const

/** Fetches one generation's llama-server metrics text ('' if it does not answer within 1 s). */
export async function scrapeGeneration(gen: Generation): Promise<string> {
  if (gen.process.state !== 'ready') return ''
  try {
    const r = await fetch(`${gen.process.url}/metrics`, { signal: AbortSignal.timeout(1000) })
    return r.ok ? await r.text() : ''
  } catch {
    return ''
  }
}

/** The token totals in a llama-server metrics text. */
export function tokenTotals(text: string): { prompt: number; predicted: number } {
  const out = { prompt: 0, predicted: 0 }
  for (const line of text.split('\n')) {
    const [name, value] = line.split(/\s+/)
    const kind = TOKEN_SERIES[name as keyof typeof TOKEN_SERIES]
    if (kind) out[kind] = Number(value) || 0
  }
  return out
}

/**
 * Several llama-servers' metrics texts as one: each sample gets its text's labels, and each metric
 * family is written once, its HELP and TYPE then every instance's samples. (The text format wants
 * a family's lines together; two generations written one after the other would repeat families.)
 */
export function mergeFamilies(texts: ReadonlyArray<{ text: string; labels: string }>): string[] {
  const families = new Map<string, { meta: string[]; samples: string[] }>()
  const family = (name: string) => {
    let f = families.get(name)
    if (!f) {
      f = { meta: [], samples: [] }
      families.set(name, f)
    }
    return f
  }
  for (const { text, labels } of texts) {
    let current: string | undefined
    for (const line of text.split('\n')) {
      if (!line) continue
      const meta = /^# (HELP|TYPE) (\S+)/.exec(line)
      if (meta) {
        current = meta[2] as string
        const f = family(current)
        if (!f.meta.some((m) => m.startsWith(`# ${meta[1]} `))) f.meta.push(line)
        continue
      }
      if (line.startsWith('#')) continue
      const m = /^([^\s{]+)(?:\{([^}]*)\})?\s+(.*)$/.exec(line)
      if (!m) continue
      const name = m[1] as string
      // A sample belongs to the family its header named (histograms add _bucket, _sum, _count).
      const owner = current && (name === current || name.startsWith(`${current}_`)) ? current : name
      family(owner).samples.push(`${name}{${m[2] ? `${m[2]},` : ''}${labels}} ${m[3]}`)
    }
  }
  return [...families.values()].flatMap((f) => [...f.meta, ...f.samples])
}

export async function renderMetrics(
  metrics: RunnerMetrics,
  pools: ReadonlyMap<string, ModelPool>,
): Promise<string> {
  const lines = [metrics.render().trimEnd()]
  const tokens = [
    '# HELP policybot_runner_tokens_total Prompt and generated tokens by model.',
    '# TYPE policybot_runner_tokens_total counter',
  ]
  const scraped: Array<{ text: string; labels: string }> = []
  for (const [name, pool] of pools) {
    const live = { prompt: 0, predicted: 0 }
    const texts = await Promise.all(
      pool.generations.map(async (g) => [g, await scrapeGeneration(g)] as const),
    )
    for (const [gen, text] of texts) {
      const t = tokenTotals(text)
      live.prompt += t.prompt
      live.predicted += t.predicted
      scraped.push({ text, labels: `model="${name}",generation="${gen.id}"` })
    }
    for (const kind of ['prompt', 'predicted'] as const) {
      const total = metrics.retiredTokens.get({ model: name, kind }) + live[kind]
      tokens.push(`policybot_runner_tokens_total{model="${name}",kind="${kind}"} ${total}`)
    }
  }
  return `${[...lines, ...tokens, ...mergeFamilies(scraped)].join('\n')}\n`
}
