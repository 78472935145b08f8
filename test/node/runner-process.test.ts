import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureLlamaServer } from '../../gpu-runner/build/llama-server'
import { isAlive, removeModels, TEST_KEY, tinyModels } from '../helpers/runner'
import type { TinyModels } from '../helpers/tiny-gguf'

/** `policybot-runner` as the operator runs it: a process that never leaves a llama-server behind. */
describe('policybot-runner process', () => {
  let models: TinyModels & { dir: string }
  let config: string
  const children: ChildProcess[] = []

  beforeAll(async () => {
    models = await tinyModels()
    config = join(models.dir, 'runner.yaml')
    writeFileSync(
      config,
      [
        `llamaServer: { bin: ${JSON.stringify(ensureLlamaServer())} }`,
        'models:',
        `  - { name: tiny, path: ${JSON.stringify(models.tiny)}, contextSize: 512, parallel: 1, gpuLayers: 0, threads: 1 }`,
        'adapters:',
        `  - { name: hr, base: tiny, path: ${JSON.stringify(models.loraA)}, department: HR }`,
      ].join('\n'),
    )
  }, 300_000)
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL')
  })
  afterAll(() => removeModels(models))

  /** Starts the bin and resolves with its URL and its llama-server's pid once ready. */
  async function launch(configPath = config) {
    const child = spawn(process.execPath, ['bin/policybot-runner.mjs', '--config', configPath], {
      env: { ...process.env, RUNNER_PORT: '0', RUNNER_API_KEY: TEST_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(child)
    let stderr = ''
    child.stderr?.on('data', (c) => {
      stderr += c
    })
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (c: Buffer) => {
        const m = /http:\/\/127\.0\.0\.1:\d+/.exec(c.toString())
        if (m) resolve(m[0])
      })
      void exited.then((code) => reject(new Error(`runner exited ${code}: ${stderr}`)))
    })
    const ready = (await (await fetch(`${url}/readyz`)).json()) as { models: Array<{ pid: number }> }
    return { child, url, pid: ready.models[0]?.pid as number, exited, stderr: () => stderr }
  }

  async function gone(pid: number, ms = 3000) {
    const until = Date.now() + ms
    while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 25))
    return !isAlive(pid)
  }

  it('leaves no llama-server behind when the runner is killed with SIGKILL', async () => {
    const { child, pid } = await launch()
    expect(isAlive(pid)).toBe(true)
    child.kill('SIGKILL')
    expect(await gone(pid)).toBe(true)
  })

  it('stops llama-server and exits 0 on SIGTERM', async () => {
    const { child, pid, url, exited } = await launch()
    const models = (await (
      await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${TEST_KEY}` } })
    ).json()) as {
      data: Array<{ id: string }>
    }
    expect(models.data.map((m) => m.id)).toEqual(['tiny', 'tiny:hr'])
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(await gone(pid)).toBe(true)
  })

  it('exits 2 naming each bad field of the config file', async () => {
    const bad = join(models.dir, 'bad.yaml')
    writeFileSync(bad, 'models:\n  - { name: tiny, parallel: -1 }\n')
    const child = spawn(process.execPath, ['bin/policybot-runner.mjs', '--config', bad], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (c) => {
      stderr += c
    })
    const code = await new Promise((r) => child.once('exit', r))
    expect(code).toBe(2)
    expect(stderr).toContain('models[0].path')
    expect(stderr).toContain('models[0].parallel')
  })
})
