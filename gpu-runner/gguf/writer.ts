import { open, rename, rm } from 'node:fs/promises'
import {
  GGML_TYPE,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_TYPE_IDS,
  type GgufArray,
  type GgufValue,
} from './reader'

/**
 * Writes GGUF v3 files with F32/F16 tensors: enough for the small random-weight models and LoRA
 * adapters the tests load into llama-server. Values carry their wire type (see `gguf`), tensor
 * data is aligned to `general.alignment` (32 unless given), and the file appears atomically.
 */

/** A tensor to write: `dims` in ggml `ne` order (fastest-varying first), values row-major in that order. */
export interface GgufTensorInput {
  name: string
  dims: number[]
  type: 'F32' | 'F16'
  data: Float32Array
}

/** What `writeGguf` writes: metadata in order, then tensors in order. */
export interface GgufWriteInput {
  metadata: Array<[string, GgufValue]>
  tensors: GgufTensorInput[]
}

/** Constructors for typed metadata values: `gguf.u32(256)`, `gguf.strings(['a', 'b'])`. */
export const gguf = {
  u32: (value: number): GgufValue => ({ type: 'u32', value }),
  i32: (value: number): GgufValue => ({ type: 'i32', value }),
  f32: (value: number): GgufValue => ({ type: 'f32', value }),
  u64: (value: bigint): GgufValue => ({ type: 'u64', value }),
  bool: (value: boolean): GgufValue => ({ type: 'bool', value }),
  str: (value: string): GgufValue => ({ type: 'string', value }),
  strings: (value: string[]): GgufValue => ({ type: 'array', of: 'string', value }),
  f32s: (value: number[]): GgufValue => ({ type: 'array', of: 'f32', value }),
  i32s: (value: number[]): GgufValue => ({ type: 'array', of: 'i32', value }),
  u32s: (value: number[]): GgufValue => ({ type: 'array', of: 'u32', value }),
}

const f32Box = new Float32Array(1)
const u32Box = new Uint32Array(f32Box.buffer)

/**
 * IEEE half-precision bits of `x`, rounded to nearest, ties to even (as numpy and ggml's F16C path
 * do): overflow gives ±Inf, tiny values become subnormals or ±0, NaN stays a (quiet) NaN.
 */
export function f32ToF16(x: number): number {
  f32Box[0] = x
  const bits = u32Box[0] as number
  const sign = (bits >>> 16) & 0x8000
  const exp = (bits >>> 23) & 0xff
  const mant = bits & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0)
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    // Subnormal: value / 2^-24 = (1.mant) * 2^(e - 14); below half the smallest subnormal it is 0.
    if (e < -10) return sign
    const m = mant | 0x800000
    const shift = 14 - e
    const lsb = (m >>> shift) & 1
    return sign | ((m + (1 << (shift - 1)) - 1 + lsb) >>> shift)
  }
  // A carry out of the mantissa bumps the exponent, up to Inf, which is the right answer.
  const h = sign | (e << 10) | (mant >>> 13)
  const rest = mant & 0x1fff
  return rest > 0x1000 || (rest === 0x1000 && h & 1) ? h + 1 : h
}

/** Growable little-endian byte sink for the header. */
class Bytes {
  private buf = Buffer.alloc(1 << 16)
  length = 0
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n))
      this.buf.copy(next, 0, 0, this.length)
      this.buf = next
    }
    const at = this.length
    this.length += n
    return at
  }
  // Each writer takes its offset before touching `buf`: `room` may replace the buffer.
  u8(v: number) {
    const at = this.room(1)
    this.buf.writeUInt8(v, at)
  }
  u32(v: number) {
    const at = this.room(4)
    this.buf.writeUInt32LE(v, at)
  }
  u64(v: bigint | number) {
    const at = this.room(8)
    this.buf.writeBigUInt64LE(BigInt(v), at)
  }
  str(s: string) {
    const n = Buffer.byteLength(s, 'utf8')
    this.u64(n)
    const at = this.room(n)
    this.buf.write(s, at, 'utf8')
  }
  pad(alignment: number) {
    this.room((alignment - (this.length % alignment)) % alignment)
  }
  scalar(type: string, v: number | bigint | boolean) {
    const size =
      type === 'u8' || type === 'i8' || type === 'bool' ? 1 : type === 'u16' || type === 'i16' ? 2 : 0
    const at = this.room(size || (type === 'f64' || type === 'u64' || type === 'i64' ? 8 : 4))
    const b = this.buf
    switch (type) {
      case 'u8':
      case 'bool':
        return b.writeUInt8(Number(v), at)
      case 'i8':
        return b.writeInt8(Number(v), at)
      case 'u16':
        return b.writeUInt16LE(Number(v), at)
      case 'i16':
        return b.writeInt16LE(Number(v), at)
      case 'u32':
        return b.writeUInt32LE(Number(v), at)
      case 'i32':
        return b.writeInt32LE(Number(v), at)
      case 'f32':
        return b.writeFloatLE(Number(v), at)
      case 'f64':
        return b.writeDoubleLE(Number(v), at)
      case 'u64':
        return b.writeBigUInt64LE(BigInt(v), at)
      case 'i64':
        return b.writeBigInt64LE(BigInt(v), at)
      default:
        throw new Error(`not a scalar GGUF type: ${type}`)
    }
  }
  value(v: GgufValue) {
    if (v.type === 'string') this.str(v.value)
    else if (v.type === 'array') this.array(v)
    else this.scalar(v.type, v.value)
  }
  array(v: GgufArray) {
    this.u32(GGUF_TYPE_IDS[v.of])
    this.u64(v.value.length)
    if (v.of === 'string') for (const s of v.value) this.str(s)
    else if (v.of === 'array') for (const a of v.value) this.array(a)
    else for (const x of v.value) this.scalar(v.of, x)
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length)
  }
}

/** Tensor payload bytes. Node runs little-endian on every platform llama.cpp supports, so views suffice. */
function tensorBytes(t: GgufTensorInput): Uint8Array {
  if (t.type === 'F32') return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)
  const half = new Uint16Array(t.data.length)
  for (let i = 0; i < half.length; i++) half[i] = f32ToF16(t.data[i] as number)
  return new Uint8Array(half.buffer)
}

function validate(input: GgufWriteInput): number {
  const keys = new Set<string>()
  for (const [key] of input.metadata) {
    if (keys.has(key)) throw new Error(`duplicate GGUF metadata key '${key}'`)
    keys.add(key)
  }
  const names = new Set<string>()
  for (const t of input.tensors) {
    // GGML_MAX_NAME is 64 including the terminating NUL.
    if (Buffer.byteLength(t.name) > 63) throw new Error(`tensor name '${t.name}' is longer than 63 bytes`)
    if (names.has(t.name)) throw new Error(`duplicate tensor '${t.name}'`)
    names.add(t.name)
    const n = t.dims.reduce((a, b) => a * b, 1)
    if (t.dims.length < 1 || t.dims.length > 4 || n !== t.data.length) {
      throw new Error(`tensor '${t.name}' has dims [${t.dims}] but ${t.data.length} values`)
    }
  }
  const align = input.metadata.find(([k]) => k === 'general.alignment')?.[1]
  if (align === undefined) return GGUF_DEFAULT_ALIGNMENT
  if (align.type !== 'u32' || align.value <= 0 || (align.value & (align.value - 1)) !== 0) {
    throw new Error('general.alignment must be a u32 power of two')
  }
  return align.value
}

/**
 * Writes `input` as a GGUF v3 file at `path`: header, padding, then each tensor's data at an
 * aligned offset. F16 tensors are converted with `f32ToF16`. Written to a temporary file beside
 * `path` and renamed, so a reader never sees half a file. Throws on duplicate keys or tensors,
 * dims that do not match the data, or names longer than ggml allows.
 */
export async function writeGguf(path: string, input: GgufWriteInput): Promise<void> {
  const alignment = validate(input)
  const payloads = input.tensors.map(tensorBytes)
  const head = new Bytes()
  head.u32(GGUF_MAGIC)
  head.u32(3)
  head.u64(input.tensors.length)
  head.u64(input.metadata.length)
  for (const [key, value] of input.metadata) {
    head.str(key)
    head.u32(GGUF_TYPE_IDS[value.type])
    head.value(value)
  }
  let offset = 0
  input.tensors.forEach((t, i) => {
    head.str(t.name)
    head.u32(t.dims.length)
    for (const d of t.dims) head.u64(d)
    head.u32(GGML_TYPE[t.type])
    head.u64(offset)
    offset += Math.ceil((payloads[i] as Uint8Array).length / alignment) * alignment
  })
  head.pad(alignment)

  const tmp = `${path}.tmp-${process.pid}`
  const fh = await open(tmp, 'w')
  try {
    await fh.write(head.bytes())
    const zeros = new Uint8Array(alignment)
    for (const p of payloads) {
      await fh.write(p)
      const pad = (alignment - (p.length % alignment)) % alignment
      if (pad) await fh.write(zeros, 0, pad)
    }
    await fh.close()
    await rename(tmp, path)
  } catch (e) {
    await fh.close().catch(() => {})
    await rm(tmp, { force: true })
    throw e
  }
}
