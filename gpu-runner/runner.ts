import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AdapterRegistry } from './adapter-registry'
import { adapterSet } from './api/adapters'
import { scrapeGeneration, tokenTotals } from './api/metrics-route'
import { createRouter } from './api/router'
import { closeUpstreamConnections } from './api/upstream'
import { ensureLlamaServer } from './build/llama-server'
import type { RunnerConfig } from './config'
import { validateLoraAdapter } from './gguf/lora'
import { createLogger, type Logger } from './log'
import { createRunnerMetrics, type RunnerMetrics } from './metrics'
import { ModelPool } from './pool/model-pool'

/**
 * The runner: one pool of llama-server generations per base model, the adapter registry, and the
 * HTTP API in front of them. `start()` listens and starts every model (a model that cannot start
 * is retried in the background and reported by `/readyz`); `close()` stops listening, fails what
 * still waits, and stops every llama-server.
 */
export interface Runner {
  readonly url: string
  readonly pools: ReadonlyMap<string, ModelPool>
  readonly registry: AdapterRegistry
  readonly metrics: RunnerMetrics
  close(): Promise<void>
}

export interface RunnerOptions {
  log?: Logger
}

export async function startRunner(config: RunnerConfig, options: RunnerOptions = {}): Promise<Runner> {
  const log = options.log ?? createLogger()
  const bin =
    config.llamaServerBin ??
    ensureLlamaServer({ log: (line) => log('info', line, { component: 'runner:build' }) })
  const metrics = createRunnerMetrics()
  const registry = new AdapterRegistry(config.stateDir, config.adapters)
  const pools = new Map<string, ModelPool>()
  for (const model of config.models) {
    pools.set(
      model.name,
      new ModelPool(model, {
        bin,
        log,
        metrics,
        startTimeoutMs: config.startTimeoutMs,
        stopGraceMs: config.stopGraceMs,
        drainTimeoutMs: config.requestTimeoutMs,
        // The last token counts of a generation, kept before it goes.
        onRetire: async (gen) => {
          const t = tokenTotals(await scrapeGeneration(gen))
          metrics.retiredTokens.inc({ model: model.name, kind: 'prompt' }, t.prompt)
          metrics.retiredTokens.inc({ model: model.name, kind: 'predicted' }, t.predicted)
        },
      }),
    )
  }
  metrics.gauge('policybot_runner_queue_depth', 'Requests waiting for a slot.', () =>
    [...pools.values()].map((p) => [{ model: p.model.name }, p.limiter.queued]),
  )
  metrics.gauge('policybot_runner_inflight', 'Requests holding a slot.', () =>
    [...pools.values()].map((p) => [{ model: p.model.name }, p.limiter.active]),
  )
  metrics.gauge('policybot_runner_model_ready', '1 while a generation of the model serves.', () =>
    [...pools.values()].map((p) => [{ model: p.model.name }, p.state === 'ready' ? 1 : 0]),
  )
  metrics.gauge(
    'policybot_runner_adapters_dropped',
    'Registered adapters left out of the serving generation: their file fails its check.',
    () => [...pools].map(([model, p]) => [{ model }, p.dropped.size]),
  )
  metrics.gauge('policybot_runner_generations', 'Live llama-server generations (current and draining).', () =>
    [...pools.values()].map((p) => [{ model: p.model.name }, p.generations.length]),
  )

  // A bad adapter in the config must not keep its model down: it is left out, loudly.
  for (const a of registry.list()) {
    const pool = pools.get(a.base)
    const problem = pool
      ? await validateLoraAdapter(a.path, pool.model.path).then(
          () => undefined,
          (e: Error) => e.message,
        )
      : 'no such base model'
    if (problem) {
      log('error', 'adapter left out', { adapter: `${a.base}:${a.name}`, reason: problem })
      if (a.source === 'api') registry.remove(a.base, a.name)
      else registry.skip(a.base, a.name)
    }
  }

  let closing = false
  const server: Server = createServer(
    createRouter({
      pools,
      registry,
      metrics,
      apiKey: config.apiKey,
      maxBodyBytes: config.maxBodyBytes,
      maxAdapterBytes: config.maxAdapterBytes,
      requestTimeoutMs: config.requestTimeoutMs,
      created: Math.floor(Date.now() / 1000),
      isClosing: () => closing,
      log,
    }),
  )
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  log('info', 'runner listening', { url, models: [...pools.keys()] })

  await Promise.all(
    [...pools.values()].map((p) =>
      p.start(adapterSet(registry, p.model.name)).catch((e: Error) => {
        log('error', 'model failed to start; retrying', { model: p.model.name, error: e.message })
      }),
    ),
  )

  return {
    url,
    pools,
    registry,
    metrics,
    async close() {
      if (closing) return
      closing = true
      server.close()
      server.closeIdleConnections()
      await Promise.all([...pools.values()].map((p) => p.close()))
      server.closeAllConnections()
      closeUpstreamConnections()
      log('info', 'runner stopped')
    },
  }
}
