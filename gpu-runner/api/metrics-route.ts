import type { RunnerMetrics } from '../metrics'
import type { Generation, ModelPool } from '../pool/model-pool'

/**
 * `GET /metrics`: the runner's own metrics, token totals over every generation (retired ones are
 * remembered, live ones scraped now), and each live llama-server's metrics relabelled with
 * `model` and `generation` so several instances never collide.
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

/** Adds labels to every sample line of a Prometheus text; HELP/TYPE lines are kept once per name. */
export function relabel(text: string, labels: string, seen: Set<string>): string[] {
  const out: string[] = []
  for (const line of text.split('\n')) {
    if (!line) continue
    if (line.startsWith('#')) {
      if (!seen.has(line)) out.push(line)
      seen.add(line)
      continue
    }
    const m = /^([^\s{]+)(?:\{([^}]*)\})?\s+(.*)$/.exec(line)
    if (!m) continue
    out.push(`${m[1]}{${m[2] ? `${m[2]},` : ''}${labels}} ${m[3]}`)
  }
  return out
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
  const upstream: string[] = []
  const seen = new Set<string>()
  for (const [name, pool] of pools) {
    const live = { prompt: 0, predicted: 0 }
    const texts = await Promise.all(
      pool.generations.map(async (g) => [g, await scrapeGeneration(g)] as const),
    )
    for (const [gen, text] of texts) {
      const t = tokenTotals(text)
      live.prompt += t.prompt
      live.predicted += t.predicted
      upstream.push(...relabel(text, `model="${name}",generation="${gen.id}"`, seen))
    }
    for (const kind of ['prompt', 'predicted'] as const) {
      const total = metrics.retiredTokens.get({ model: name, kind }) + live[kind]
      tokens.push(`policybot_runner_tokens_total{model="${name}",kind="${kind}"} ${total}`)
    }
  }
  return `${[...lines, ...tokens, ...upstream].join('\n')}\n`
}
