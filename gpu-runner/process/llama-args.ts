import type { ModelConfig } from '../config'

/** An adapter as one llama-server generation loads it; its index in the list is its `lora` id. */
export interface LoadedAdapter {
  readonly name: string
  readonly path: string
  readonly scale: number
}

/**
 * llama-server's argument list for one generation of a base model with a fixed adapter set.
 * Always loopback and an OS-chosen port (`--port 0`; the port is read back from its log), metrics
 * on, no web UI. Adapters are loaded at scale 0 (`--lora-scaled path:0`), because
 * `--lora-init-without-apply` is a no-op in llama-server and a request without a `lora` list would
 * otherwise run every adapter at once (notes/llama-server.md §6.1); the comma form avoids the
 * misleading "specified multiple times" warning (§11).
 */
export function llamaServerArgs(model: ModelConfig, adapters: readonly LoadedAdapter[]): string[] {
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '-m',
    model.path,
    '--alias',
    model.name,
    '-c',
    String(model.contextSize),
    '-np',
    String(model.parallel),
    '-ngl',
    String(model.gpuLayers),
    '--metrics',
    '--no-ui',
  ]
  if (model.threads) args.push('-t', String(model.threads))
  if (model.embeddings) args.push('--embeddings', '--pooling', 'mean')
  if (adapters.length > 0) {
    args.push('--lora-scaled', adapters.map((a) => `${a.path}:0`).join(','))
  }
  args.push(...model.extraArgs)
  return args
}
