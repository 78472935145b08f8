import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { exited, hasExited, stop } from './start'

/** What `policybot start` does when its Worker dies under it: a real child, killed by a signal. */
describe('supervising the Worker process', () => {
  it('notices a child killed by a signal and stops it without hanging', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
    })
    const ended = exited(child)
    child.kill('SIGKILL')
    await ended
    // A signal leaves no exit code: only the signal says it ended.
    expect(child.exitCode).toBeNull()
    expect(child.signalCode).toBe('SIGKILL')
    expect(hasExited(child)).toBe(true)
    // Waiting again, and stopping it, return at once instead of waiting for an 'exit' already gone.
    const started = Date.now()
    await exited(child)
    await stop(child)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
