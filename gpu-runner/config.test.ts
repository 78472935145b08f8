import { describe, expect, it } from 'vitest'
import { loadRunnerConfig, parseRunnerConfig } from './config'

const env = {}

describe('runner config', () => {
  it('resolves relative paths against the config folder and fills defaults', () => {
    const c = parseRunnerConfig(
      'models:\n  - name: qwen\n    path: models/q.gguf\nadapters:\n  - { name: hr, base: qwen, path: /a/hr.gguf }\n',
      { RUNNER_PORT: '0' },
      '/etc/policybot',
    )
    expect(c.models[0]).toMatchObject({ name: 'qwen', path: '/etc/policybot/models/q.gguf', parallel: 4 })
    expect(c.adapters[0]).toMatchObject({ name: 'hr', base: 'qwen', scale: 1 })
    expect(c).toMatchObject({ host: '127.0.0.1', port: 0, stateDir: '/etc/policybot/runner-state' })
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('reads JSON as well as YAML', () => {
    const c = parseRunnerConfig('{"models":[{"name":"m","path":"/m.gguf","parallel":2}]}', env, '/')
    expect(c.models[0]?.parallel).toBe(2)
  })

  it('names every bad field at once', () => {
    const text = [
      'server: { port: 99999 }',
      'models:',
      '  - name: "bad:name"',
      '    path: /m.gguf',
      '    parallel: 0',
      '    unknownKey: 1',
      'adapters:',
      '  - { name: hr, base: nope, path: /hr.gguf }',
    ].join('\n')
    let message = ''
    try {
      parseRunnerConfig(text, env, '/')
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toContain('server.port')
    expect(message).toContain('models[0].name')
    expect(message).toContain('models[0].parallel')
    expect(message).toContain('unknownKey')
  })

  it('refuses a non-loopback address without an API key, and a short key', () => {
    const text = 'models: [{ name: m, path: /m.gguf }]'
    expect(() => parseRunnerConfig(text, { RUNNER_HOST: '0.0.0.0' }, '/')).toThrow(/RUNNER_API_KEY: required/)
    expect(() => parseRunnerConfig(text, { RUNNER_API_KEY: 'short' }, '/')).toThrow(/at least 16/)
    const ok = parseRunnerConfig(text, { RUNNER_HOST: '0.0.0.0', RUNNER_API_KEY: 'k'.repeat(32) }, '/')
    expect(ok.host).toBe('0.0.0.0')
  })

  it('refuses an adapter whose base model is not configured', () => {
    expect(() =>
      parseRunnerConfig(
        'models: [{ name: m, path: /m.gguf }]\nadapters: [{ name: a, base: x, path: /a.gguf }]',
        env,
        '/',
      ),
    ).toThrow(/adapters\[0\]\.base: no model named "x"/)
  })
})

describe('runner.example.yaml', () => {
  it('is a valid config (the documented example stays true)', () => {
    const c = loadRunnerConfig(new URL('./runner.example.yaml', import.meta.url).pathname, {
      RUNNER_API_KEY: 'x'.repeat(32),
    })
    expect(c.models.map((m) => m.name)).toEqual(['qwen2.5-7b', 'bge-m3'])
    expect(c.adapters[0]).toMatchObject({ name: 'hr', base: 'qwen2.5-7b', department: 'HR' })
  })
})
