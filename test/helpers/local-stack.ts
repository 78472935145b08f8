import { type LocalConsole, startCommand } from '../../workers/cli/commands/start'
import type { Context } from '../../workers/cli/context'
import type { Output } from '../../workers/cli/output'

/**
 * `npm start`'s stack (the embedded database's endpoint and the Worker under `wrangler dev`) over
 * an open context, for scripts that drive it: resolves once it serves, with its address, the
 * local console's sign-in, and `stop` (which waits for it to wind down).
 */
export async function startLocalStack(
  ctx: Context,
  env: Record<string, string | undefined>,
  out: Output = { result: () => {}, progress: () => {} },
): Promise<{ url: string; local: LocalConsole | undefined; stop: () => Promise<void> }> {
  let stopNow: () => void = () => {}
  let url = ''
  let local: LocalConsole | undefined
  let running: Promise<void> = Promise.resolve()
  await new Promise<void>((resolve, reject) => {
    running = startCommand(ctx, {
      env,
      out,
      stopped: new Promise<void>((r) => {
        stopNow = r
      }),
      onReady: (u, c) => {
        url = u
        local = c
        resolve()
      },
    })
    running.catch(reject)
  })
  return {
    url,
    local,
    stop: async () => {
      stopNow()
      await running.catch(() => {})
    },
  }
}
