import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTinyModels, type TinyModels, vocabPath, writeTinyLora } from '../../test/helpers/tiny-gguf'
import { ensureLlamaServer } from '../build/llama-server'
import { validateLoraAdapter } from './lora'
import { type GgufValue, readGgufHeader } from './reader'
import { f32ToF16, gguf, writeGguf } from './writer'

// Models come from the vocab beside the cached llama-server build; a cold cache builds it first.
const BUILD_TIMEOUT = 1_500_000

let dir: string
let models: TinyModels
let vocab: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gguf-test-'))
  vocab = vocabPath()
  models = await makeTinyModels(dir, vocab)
}, BUILD_TIMEOUT)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** The `GgufError` a promise rejects with, as a plain object of what tests check. */
async function failure(p: Promise<unknown>): Promise<{ name: string; code: string; message: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err as { name: string; code: string; message: string },
  )
  if (!e) throw new Error('expected a rejection')
  return { name: e.name, code: e.code, message: e.message }
}

describe('GGUF writer and reader', () => {
  it('round-trips metadata of every type and tensor infos, with aligned tensor data', async () => {
    const path = join(dir, 'round-trip.gguf')
    const metadata: Array<[string, GgufValue]> = [
      ['general.architecture', gguf.str('llama')],
      ['t.u8', { type: 'u8', value: 255 }],
      ['t.i8', { type: 'i8', value: -128 }],
      ['t.u16', { type: 'u16', value: 65535 }],
      ['t.i16', { type: 'i16', value: -32768 }],
      ['t.u32', gguf.u32(4294967295)],
      ['t.i32', gguf.i32(-2147483648)],
      ['t.f32', gguf.f32(1.5)],
      ['t.f64', { type: 'f64', value: Math.PI }],
      ['t.u64', gguf.u64(2n ** 64n - 1n)],
      ['t.i64', { type: 'i64', value: -(2n ** 63n) }],
      ['t.bool', gguf.bool(true)],
      ['t.string', gguf.str('héllo\nwörld ✓')],
      ['t.strings', gguf.strings(['<unk>', '', '<|im_end|>'])],
      ['t.f32s', gguf.f32s([0, -0.25, 3])],
      ['t.i32s', gguf.i32s([1, -1])],
      ['t.u32s', gguf.u32s([])],
      ['t.bools', { type: 'array', of: 'bool', value: [true, false] }],
      ['t.u64s', { type: 'array', of: 'u64', value: [1n, 2n ** 40n] }],
      ['t.nested', { type: 'array', of: 'array', value: [{ type: 'array', of: 'i32', value: [7] }] }],
    ]
    await writeGguf(path, {
      metadata,
      tensors: [
        { name: 'a.weight', dims: [3, 2], type: 'F32', data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
        { name: 'b.weight', dims: [5], type: 'F16', data: Float32Array.from([1, -2, 0.5, 65504, 0]) },
      ],
    })
    const h = await readGgufHeader(path)
    expect(h.version).toBe(3)
    expect([...h.metadata]).toEqual(metadata)
    expect(h.tensors).toEqual([
      { name: 'a.weight', dims: [3, 2], type: 0, offset: 0 },
      { name: 'b.weight', dims: [5], type: 1, offset: 32 },
    ])
    expect(h.alignment).toBe(32)
    expect(h.dataOffset % 32).toBe(0)
    const file = readFileSync(path)
    // A copy: readFileSync may hand back a view into a larger pooled ArrayBuffer.
    const bytes = (i: number, n: number) => {
      const at = h.dataOffset + (h.tensors[i]?.offset ?? 0)
      return Uint8Array.from(file.subarray(at, at + n)).buffer
    }
    expect([...new Float32Array(bytes(0, 24))]).toEqual([1, 2, 3, 4, 5, 6])
    expect([...new Uint16Array(bytes(1, 10))]).toEqual([0x3c00, 0xc000, 0x3800, 0x7bff, 0])
  })

  it('converts float32 to float16 bits, rounding to nearest even', () => {
    const cases: Array<[number, number]> = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [65504, 0x7bff], // largest half
      [65520, 0x7c00], // rounds up to Inf
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // exactly half of it: tie to even (0)
      [1.5 * 2 ** -25, 0x0001],
      [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01: even
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02: even
      [-0, 0x8000],
      [Number.NaN, 0x7e00],
    ]
    for (const [x, bits] of cases) expect([x, f32ToF16(x)]).toEqual([x, bits])
  })

  it('writes the same bytes for the same seed', async () => {
    const again = join(dir, 'lora-a-again.gguf')
    await writeTinyLora(again, { basePath: models.tiny, seed: 1, name: 'lora-a' })
    expect(readFileSync(again).equals(readFileSync(models.loraA))).toBe(true)
  })

  it('rejects a file that is not GGUF with NOT_GGUF and the file name', async () => {
    const path = join(dir, 'notes.txt')
    writeFileSync(path, 'hello, this is not a model\n')
    expect(await failure(readGgufHeader(path))).toMatchObject({
      name: 'GgufError',
      code: 'NOT_GGUF',
      message: expect.stringContaining(path),
    })
  })

  it('rejects a file cut inside its header with TRUNCATED and the file name', async () => {
    const path = join(dir, 'cut-header.gguf')
    writeFileSync(path, readFileSync(models.tiny).subarray(0, 100_000))
    const e = await failure(readGgufHeader(path))
    expect(e).toMatchObject({ code: 'TRUNCATED', message: expect.stringContaining(path) })
    expect(e.message).toMatch(/tokenizer\.ggml\.tokens/)
  })

  it('rejects a file cut inside its tensor data with TRUNCATED naming the tensor', async () => {
    const path = join(dir, 'cut-data.gguf')
    writeFileSync(path, readFileSync(models.tiny).subarray(0, 3_000_000))
    expect(await failure(readGgufHeader(path))).toMatchObject({
      code: 'TRUNCATED',
      message: expect.stringMatching(
        /cut-data\.gguf: tensor 'token_embd\.weight' ends at byte \d+, past the end/,
      ),
    })
  })

  it('rejects a header that claims 2^60 tensors as CORRUPT instead of allocating', async () => {
    const path = join(dir, 'huge-count.gguf')
    const b = Buffer.alloc(24)
    b.write('GGUF', 0, 'latin1')
    b.writeUInt32LE(3, 4)
    b.writeBigUInt64LE(2n ** 60n, 8)
    writeFileSync(path, b)
    expect(await failure(readGgufHeader(path))).toMatchObject({
      code: 'CORRUPT',
      message: expect.stringContaining('claims 1152921504606846976 tensors'),
    })
  })

  it('rejects GGUF version 1 as UNSUPPORTED_VERSION', async () => {
    const path = join(dir, 'v1.gguf')
    const b = Buffer.alloc(24)
    b.write('GGUF', 0, 'latin1')
    b.writeUInt32LE(1, 4)
    writeFileSync(path, b)
    expect(await failure(readGgufHeader(path))).toMatchObject({ code: 'UNSUPPORTED_VERSION' })
  })
})

describe('validateLoraAdapter', () => {
  it('accepts lora-a on tiny and lists its 14 targets', async () => {
    const info = await validateLoraAdapter(models.loraA, models.tiny)
    expect(info).toMatchObject({ architecture: 'llama', name: 'lora-a', alpha: 8, tensorCount: 28 })
    expect(info.targets).toHaveLength(14)
    expect(info.targets).toContain('blk.1.ffn_down.weight')
  })

  it('rejects lora-a on tiny-b with a shape message naming the tensor and both shapes', async () => {
    expect(await failure(validateLoraAdapter(models.loraA, models.tinyB))).toMatchObject({
      code: 'SHAPE_MISMATCH',
      message: expect.stringMatching(
        /tensor 'blk\.0\.attn_k\.weight'.*base ne \[128, 128\], lora_a ne \[64, 8\], lora_b ne \[8, 64\]/,
      ),
    })
  })

  it('rejects the base model itself as not an adapter', async () => {
    expect(await failure(validateLoraAdapter(models.tiny, models.tiny))).toMatchObject({
      code: 'NOT_LORA',
      message: expect.stringContaining("general.type is 'model'"),
    })
  })

  it('rejects an adapter whose architecture differs from the base', async () => {
    const path = join(dir, 'qwen-lora.gguf')
    await writeGguf(path, {
      metadata: [
        ['general.architecture', gguf.str('qwen2')],
        ['general.type', gguf.str('adapter')],
        ['adapter.type', gguf.str('lora')],
      ],
      tensors: [
        { name: 'blk.0.attn_q.weight.lora_a', dims: [64, 2], type: 'F32', data: new Float32Array(128) },
        { name: 'blk.0.attn_q.weight.lora_b', dims: [2, 64], type: 'F32', data: new Float32Array(128) },
      ],
    })
    expect(await failure(validateLoraAdapter(path, models.tiny))).toMatchObject({
      code: 'ARCH_MISMATCH',
      message: expect.stringContaining("adapter architecture 'qwen2' does not match base 'llama'"),
    })
  })

  it('rejects a lora_a without its lora_b', async () => {
    const path = join(dir, 'half-lora.gguf')
    await writeGguf(path, {
      metadata: [
        ['general.architecture', gguf.str('llama')],
        ['general.type', gguf.str('adapter')],
        ['adapter.type', gguf.str('lora')],
      ],
      tensors: [
        { name: 'blk.0.attn_v.weight.lora_a', dims: [64, 2], type: 'F32', data: new Float32Array(128) },
      ],
    })
    expect(await failure(validateLoraAdapter(path, models.tiny))).toMatchObject({
      code: 'NOT_LORA',
      message: expect.stringContaining("'blk.0.attn_v.weight' has lora_a but no lora_b"),
    })
  })
})

/** A started llama-server: its URL, its process and what it wrote to stderr. */
interface Server {
  url: string
  child: ChildProcess
  stderr: () => string
}

/** Spawns llama-server on port 0 and resolves once `/health` is 200; fails fast if it exits. */
async function startLlamaServer(bin: string, args: string[]): Promise<Server> {
  const child = spawn(bin, ['--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`llama-server exited with ${code}:\n${log.slice(-2000)}`))),
  )
  exited.catch(() => {})
  const port = await Promise.race([
    exited,
    new Promise<string>((resolve) =>
      child.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString('utf8')
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log)
        if (m?.[1]) resolve(m[1])
      }),
    ),
  ])
  const url = `http://127.0.0.1:${port}`
  for (;;) {
    const status = await Promise.race([
      exited,
      fetch(`${url}/health`).then(
        (r) => r.status,
        () => 0,
      ),
    ])
    if (status === 200) return { url, child, stderr: () => log }
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Exit code and stderr of a llama-server that is expected to fail at start-up. */
function runToExit(bin: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, ['--host', '127.0.0.1', '--port', '0', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString('utf8')
    })
    child.once('exit', (code) => resolve({ code, stderr }))
  })
}

describe('tiny models in the real llama-server', () => {
  let bin: string
  let server: Server | undefined

  beforeAll(async () => {
    bin = ensureLlamaServer()
    // --lora-scaled f:0 loads the adapters switched off; --lora-init-without-apply is a no-op here.
    server = await startLlamaServer(bin, [
      '-m',
      models.tiny,
      '--lora-scaled',
      `${models.loraA}:0,${models.loraB}:0`,
      '-c',
      '1024',
      '-np',
      '2',
      '-t',
      '2',
      '--no-ui',
    ])
  }, 60_000)

  afterAll(async () => {
    const child = server?.child
    if (!child?.pid || child.exitCode !== null) return
    const gone = new Promise((r) => child.once('exit', r))
    process.kill(child.pid, 'SIGTERM')
    await gone
  })

  const chat = async (lora: Array<{ id: number; scale: number }>): Promise<string> => {
    const res = await fetch(`${server?.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'What is the leave policy?' }],
        temperature: 0,
        max_tokens: 16,
        lora,
      }),
    })
    expect(res.status).toBe(200)
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> }
    return body.choices[0]?.message.content ?? ''
  }

  it('loads both adapters switched off', async () => {
    const res = await fetch(`${server?.url}/lora-adapters`)
    const list = (await res.json()) as Array<{ id: number; scale: number }>
    expect(list.map((a) => [a.id, a.scale])).toEqual([
      [0, 0],
      [1, 0],
    ])
  })

  it('answers differently with no adapter, adapter A and adapter B, and the same twice', async () => {
    const none = await chat([
      { id: 0, scale: 0 },
      { id: 1, scale: 0 },
    ])
    const a = await chat([
      { id: 0, scale: 1 },
      { id: 1, scale: 0 },
    ])
    const b = await chat([
      { id: 0, scale: 0 },
      { id: 1, scale: 1 },
    ])
    const aAgain = await chat([
      { id: 0, scale: 1 },
      { id: 1, scale: 0 },
    ])
    expect(new Set([none, a, b]).size).toBe(3)
    expect(none.length).toBeGreaterThan(0)
    expect(aAgain).toBe(a)
  })

  it('fails to start with lora-a on tiny-b, as validateLoraAdapter predicts', async () => {
    const { code, stderr } = await runToExit(bin, ['-m', models.tinyB, '--lora', models.loraA, '--no-ui'])
    expect(code).toBe(1)
    expect(stderr).toContain("tensor 'blk.0.attn_k.weight' has incorrect shape")
  })
})
