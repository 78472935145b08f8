import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  cacheKey,
  cmakeFlags,
  ensureLlamaServer,
  llamaServerVersion,
} from '../../gpu-runner/build/llama-server'

/**
 * The real build of llama-server from node-llama-cpp's bundled llama.cpp source (CPU). A cold
 * cache costs about 6 minutes on 2 cores; later runs take the cached binary.
 */
describe('runner:build', () => {
  const saved = process.env.LLAMA_SERVER_BIN
  afterEach(() => {
    if (saved === undefined) delete process.env.LLAMA_SERVER_BIN
    else process.env.LLAMA_SERVER_BIN = saved
  })

  it('builds (or takes from the cache) a llama-server of the pinned llama.cpp release', () => {
    delete process.env.LLAMA_SERVER_BIN
    const bin = ensureLlamaServer({ backend: 'cpu' })
    expect(bin).toMatch(/policybot\/llama-server\/nlc3\.22\.1-de3ff815ea7d-[0-9a-f]{12}\/bin\/llama-server$/)
    expect(llamaServerVersion(bin)).toMatch(/version: .*commit de3ff81/)
    // A second call is a cache hit: the same path.
    expect(ensureLlamaServer({ backend: 'cpu' })).toBe(bin)
  }, 1_500_000)

  it('keys the cache by version, commit and flags', () => {
    const cpu = cacheKey('3.22.1', 'de3ff815ea7d559ee917f063901b8986f038abc6', cmakeFlags('cpu'))
    const cuda = cacheKey('3.22.1', 'de3ff815ea7d559ee917f063901b8986f038abc6', cmakeFlags('cuda'))
    expect(cpu).toMatch(/^nlc3\.22\.1-de3ff815ea7d-[0-9a-f]{12}$/)
    expect(cuda).not.toBe(cpu)
    expect(cmakeFlags('cpu')).toContain('-DGGML_NATIVE=OFF')
    expect(cmakeFlags('cuda')).toContain('-DGGML_CUDA=ON')
  })

  it('uses LLAMA_SERVER_BIN when given, and says so when it does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llama-bin-'))
    try {
      const fake = join(dir, 'llama-server')
      writeFileSync(fake, '')
      process.env.LLAMA_SERVER_BIN = fake
      expect(ensureLlamaServer()).toBe(fake)
      process.env.LLAMA_SERVER_BIN = join(dir, 'missing')
      expect(() => ensureLlamaServer()).toThrow(/LLAMA_SERVER_BIN=.*missing does not exist/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
