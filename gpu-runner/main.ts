import { type ConfigError, loadRunnerConfig } from './config'
import { createLogger, type LogLevel } from './log'
import { startRunner } from './runner'

/**
 * `policybot-runner [--config FILE]` (also `npm run runner -- --config FILE`): loads the config
 * (`--config`, else `RUNNER_CONFIG`, else `./runner.yaml`), starts the runner and stops it cleanly
 * on SIGTERM/SIGINT. Exit codes: 0 stopped, 2 bad configuration, 1 anything else.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'usage: policybot-runner [--config runner.yaml]\n' +
        'env: RUNNER_API_KEY (bearer token), RUNNER_HOST, RUNNER_PORT, RUNNER_CONFIG, LLAMA_SERVER_BIN, RUNNER_LOG\n' +
        'see gpu-runner/README.md\n',
    )
    return 0
  }
  const i = argv.indexOf('--config')
  const path = (i >= 0 ? argv[i + 1] : undefined) ?? env.RUNNER_CONFIG ?? 'runner.yaml'
  const log = createLogger((env.RUNNER_LOG as LogLevel | undefined) ?? 'info')
  let config: ReturnType<typeof loadRunnerConfig>
  try {
    config = loadRunnerConfig(path, env)
  } catch (e) {
    if (e instanceof Error && e.name === 'ConfigError') {
      console.error((e as ConfigError).message)
      return 2
    }
    throw e
  }
  const runner = await startRunner(config, { log })
  process.stdout.write(`${runner.url}\n`)
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
  await runner.close()
  return 0
}
