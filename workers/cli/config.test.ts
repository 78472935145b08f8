import { describe, expect, it } from 'vitest'
import { loadConfig } from './config'

describe('loadConfig', () => {
  it('defaults to the embedded database in .policybot with a 50 MB file limit', () => {
    const c = loadConfig({})
    expect(c.dataDir.endsWith('.policybot')).toBe(true)
    expect(c.maxFileBytes).toBe(50 * 1024 * 1024)
    expect(c.chat).toBeUndefined()
    expect(c.database).toBeUndefined()
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('lets flags override the environment', () => {
    const c = loadConfig(
      { POLICYBOT_DATA: '/tmp/a', POLICYBOT_MAX_FILE_MB: '10' },
      { data: '/tmp/b', maxFileMb: 2 },
    )
    expect(c.dataDir).toBe('/tmp/b')
    expect(c.maxFileBytes).toBe(2 * 1024 * 1024)
  })

  it('names every bad variable at once', () => {
    expect(() =>
      loadConfig({
        POLICYBOT_MAX_FILE_MB: 'lots',
        POLICYBOT_CHAT_BASE_URL: 'http://127.0.0.1:8080/v1',
        DATABASE_URL: 'mysql://x',
      }),
    ).toThrow(/POLICYBOT_MAX_FILE_MB[\s\S]*DATABASE_URL[\s\S]*POLICYBOT_CHAT_MODEL: required/)
  })

  it('configures the chat model and embeddings endpoint together with their models', () => {
    const c = loadConfig({
      POLICYBOT_CHAT_BASE_URL: 'http://127.0.0.1:8080/v1',
      POLICYBOT_CHAT_MODEL: 'qwen2.5-7b:hr',
      POLICYBOT_EMBEDDINGS_BASE_URL: 'http://127.0.0.1:8080/v1',
      POLICYBOT_EMBEDDINGS_MODEL: 'bge-m3',
    })
    expect(c.chat).toEqual({ baseURL: 'http://127.0.0.1:8080/v1', model: 'qwen2.5-7b:hr' })
    expect(c.embeddings).toMatchObject({ model: 'bge-m3', batchSize: 64 })
  })
})
