import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runner } from '../../gpu-runner/runner'
import type { Env } from '../../workers/env'
import { app } from '../../workers/index'
import { removeModels, startTestRunner, TEST_KEY, tinyModels } from '../helpers/runner'
import type { TinyModels } from '../helpers/tiny-gguf'

/**
 * The console's Adapters page API against a real gpu-runner (llama-server, tiny random-weight
 * models): the Worker lists, uploads and removes adapters with the runner's token, and passes the
 * runner's refusals on as the caller's errors. The Worker is its own Hono app, run in Node.
 */
describe('console adapters through the runner', () => {
  let models: TinyModels & { dir: string }
  let runner: Runner
  const TOKEN = 'local-console-token-0123456789abcdef'
  let env: Env
  const call = (path: string, init: RequestInit = {}) =>
    app.request(
      `http://127.0.0.1:8787${path}`,
      { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers } },
      env,
    )

  beforeAll(async () => {
    models = await tinyModels()
    runner = await startTestRunner({ models, adapters: ['lora-a'], stateDir: `${models.dir}/state` })
    env = {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none',
      WEB_CONSOLE: 'on',
      CONSOLE_AUTH: 'local',
      CONSOLE_LOCAL_TOKEN: TOKEN,
      RUNNER_URL: runner.url,
      RUNNER_TOKEN: TEST_KEY,
      RUNNER_MODEL: 'tiny',
    } as unknown as Env
  }, 300_000)
  afterAll(async () => {
    await runner?.close()
    removeModels(models)
  })

  it('lists, uploads (checked by the runner) and removes adapters, with the department each serves', async () => {
    const listed = async () =>
      (await (await call('/api/adapters')).json()) as {
        configured: boolean
        models: string[]
        adapters: { id: string; department: string | null; status: string }[]
      }
    expect(await listed()).toMatchObject({
      configured: true,
      models: ['tiny'],
      adapters: [{ id: 'tiny:lora-a', status: 'serving' }],
    })

    const added = await call('/api/adapters?base=tiny&name=hr&department=HR', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: readFileSync(models.loraB),
    })
    expect(added.status).toBe(201)
    expect((await listed()).adapters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'tiny:hr', department: 'HR', status: 'serving' }),
      ]),
    )

    // Not a LoRA file: the runner refuses it, and the caller is told why (not a 500).
    const bad = await call('/api/adapters?base=tiny&name=broken', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: readFileSync(models.tiny),
    })
    expect(bad.status).toBeGreaterThanOrEqual(400)
    expect(bad.status).toBeLessThan(500)
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/adapter|LoRA/i)

    expect((await call('/api/adapters/tiny:hr', { method: 'DELETE' })).status).toBe(200)
    expect((await listed()).adapters.map((a) => a.id)).toEqual(['tiny:lora-a'])

    // A runner that is down is a 502 that says so.
    const down = { ...env, RUNNER_URL: 'http://127.0.0.1:9' } as Env
    const res = await app.request(
      'http://127.0.0.1:8787/api/adapters',
      { headers: { authorization: `Bearer ${TOKEN}` } },
      down,
    )
    expect(res.status).toBe(502)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/did not answer/)
  })
})
