import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { WORKER_VARIABLES } from '../../config'
import { exited, hasExited, PASSED_VARS, stop } from './start'

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

describe('the variables the local stack hands the Worker', () => {
  it('are every Worker variable (Teams and DingTalk ones included) but those the stack sets itself', () => {
    expect(PASSED_VARS).toEqual(
      expect.arrayContaining(['TEAMS_APP_ID', 'TEAMS_APP_PASSWORD', 'TEAMS_APP_TENANT_ID', 'TEAMS_TENANTS']),
    )
    expect(PASSED_VARS).toEqual(expect.arrayContaining(['DINGTALK_APP_KEY', 'SLACK_BOT_TOKEN', 'PUBLIC_URL']))
    const passed: readonly string[] = PASSED_VARS
    expect([...WORKER_VARIABLES].filter((k) => !passed.includes(k)).sort()).toEqual([
      'CONSOLE_LOCAL_TOKEN',
      'DATABASE_URL',
      'POLICYBOT_NEON_WSPROXY',
    ])
  })
})
