import { type FileHandle, open } from 'node:fs/promises'

/**
 * Reads the header of a GGUF file (the format llama.cpp loads models and LoRA adapters from):
 * metadata and tensor infos, never the tensor data. Positional reads into a buffer that grows only
 * as far as the header does, so a multi-GB model costs a few MB (its vocabulary) to inspect.
 * Format: ggml/docs/gguf.md and gguf-py/gguf/gguf_reader.py in llama.cpp; little-endian only.
 */

/** A metadata value type, named as in the GGUF spec (`GGUF_TYPE_*`). */
export type GgufScalarType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64' | 'u64' | 'i64'

/** A GGUF array, tagged with its element type; `of: 'array'` is the spec's nested array. */
export type GgufArray =
  | { type: 'array'; of: Exclude<GgufScalarType, 'u64' | 'i64'>; value: number[] }
  | { type: 'array'; of: 'u64' | 'i64'; value: bigint[] }
  | { type: 'array'; of: 'bool'; value: boolean[] }
  | { type: 'array'; of: 'string'; value: string[] }
  | { type: 'array'; of: 'array'; value: GgufArray[] }

/**
 * A metadata value with its exact wire type, so a value read from one file can be written to
 * another unchanged (llama.cpp rejects e.g. an i32 where it expects a u32). 64-bit integers are
 * bigints: a u64 token count or seed does not fit a double.
 */
export type GgufValue =
  | { type: Exclude<GgufScalarType, 'u64' | 'i64'>; value: number }
  | { type: 'u64' | 'i64'; value: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | GgufArray

/** One tensor's info: `dims` in ggml `ne` order (fastest-varying first), `offset` from `dataOffset`. */
export interface GgufTensorInfo {
  name: string
  dims: number[]
  /** ggml type id (`GGML_TYPE_F32` = 0, `F16` = 1, …). */
  type: number
  offset: number
}

/** Everything before the tensor data. */
export interface GgufHeader {
  version: number
  metadata: Map<string, GgufValue>
  tensors: GgufTensorInfo[]
  alignment: number
  /** Absolute file offset where tensor data starts (end of header, padded to `alignment`). */
  dataOffset: number
  fileSize: number
}

/** Why a file is not a usable GGUF (or, from `lora.ts`, not a usable adapter). */
export type GgufErrorCode =
  | 'NOT_GGUF'
  | 'UNSUPPORTED_VERSION'
  | 'TRUNCATED'
  | 'CORRUPT'
  | 'IO'
  | 'NOT_MODEL'
  | 'NOT_LORA'
  | 'ARCH_MISMATCH'
  | 'UNKNOWN_TARGET'
  | 'SHAPE_MISMATCH'

/** A GGUF file that cannot be read or used; `code` is stable, the message names the file. */
export class GgufError extends Error {
  override readonly name = 'GgufError' as const
  readonly code: GgufErrorCode
  readonly path: string
  constructor(code: GgufErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options)
    this.code = code
    this.path = path
  }
}

/** ggml type ids the gguf tools here write. */
export const GGML_TYPE = { F32: 0, F16: 1 } as const

/** Wire ids of metadata value types (`enum gguf_type`). */
export const GGUF_TYPE_IDS = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const

/** The `GGUF` magic as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747

/** Alignment of tensor data when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32

// Caps against a corrupt header: real models have ~1–3k tensors, a few dozen keys, and arrays
// (vocabularies, merges) well under a million entries. A header claiming 2^60 must fail, not allocate.
const MAX_TENSORS = 1 << 20
const MAX_KV = 1 << 20
const MAX_ARRAY = 1 << 26
const MAX_STRING = 1 << 28
const MAX_DIMS = 4 // GGML_MAX_DIMS
const TYPE_NAMES = Object.fromEntries(Object.entries(GGUF_TYPE_IDS).map(([k, v]) => [v, k])) as Record<
  number,
  keyof typeof GGUF_TYPE_IDS
>

/** [block size, bytes per block] per ggml type (gguf-py GGML_QUANT_SIZES), for the data-extent check. */
// biome-ignore format: a table
const TYPE_SIZES: Record<number, [number, number]> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110],
  22: [256, 82], 23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8],
  29: [256, 56], 30: [1, 2], 34: [256, 54], 35: [256, 66], 39: [32, 17], 40: [64, 36], 41: [128, 18],
  42: [64, 18],
}

/** Bytes of tensor data for `dims` of ggml `type`, or undefined for a type this table does not know. */
export function ggmlTensorBytes(type: number, dims: number[]): number | undefined {
  const size = TYPE_SIZES[type]
  if (!size) return undefined
  const n = dims.reduce((a, b) => a * b, 1)
  return (n / size[0]) * size[1]
}

/**
 * A forward-only window onto the file. `need(n)` makes n bytes available at the cursor, reading
 * more (and growing the buffer) only when the window runs out. `tryString` is the synchronous fast
 * path, so a 150k-entry vocabulary does not cost 150k awaits.
 */
class Cursor {
  private buf = Buffer.alloc(0)
  private start = 0 // file offset of buf[0]
  private end = 0 // file offset just past the valid bytes
  pos = 0

  constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    readonly fileSize: number,
  ) {}

  has(n: number): boolean {
    return this.pos + n <= this.end
  }

  async fill(n: number, what: string): Promise<void> {
    if (this.pos + n > this.fileSize) {
      throw new GgufError(
        'TRUNCATED',
        this.path,
        `file ends at byte ${this.fileSize} inside ${what} (needs ${n} bytes at ${this.pos})`,
      )
    }
    const keep = this.end - this.pos
    const want = Math.min(Math.max(n, 1 << 16, this.buf.length), this.fileSize - this.pos)
    const next = want > this.buf.length ? Buffer.alloc(Math.max(want, this.buf.length * 2)) : this.buf
    this.buf.copy(next, 0, this.pos - this.start, this.end - this.start)
    this.buf = next
    this.start = this.pos
    this.end = this.pos + keep
    while (this.end < this.pos + want) {
      const at = this.end - this.start
      const { bytesRead } = await this.fh.read(this.buf, at, this.pos + want - this.end, this.end)
      if (bytesRead === 0) throw new GgufError('TRUNCATED', this.path, `file shrank while reading ${what}`)
      this.end += bytesRead
    }
  }

  async need(n: number, what: string): Promise<void> {
    if (!this.has(n)) await this.fill(n, what)
  }

  /** The next string if it is wholly buffered (the hot path of a vocabulary), else undefined. */
  tryString(): string | undefined {
    if (!this.has(8)) return undefined
    // Two u32 reads, not a BigInt: this runs once per token, and BigInts cost GC time.
    const at = this.pos - this.start
    const n = this.buf.readUInt32LE(at)
    if (this.buf.readUInt32LE(at + 4) !== 0 || n > this.end - this.pos - 8) return undefined
    this.pos += 8
    return this.utf8(n)
  }

  private take(n: number): number {
    const at = this.pos - this.start
    this.pos += n
    return at
  }

  u8(): number {
    return this.buf.readUInt8(this.take(1))
  }
  u32(): number {
    return this.buf.readUInt32LE(this.take(4))
  }
  u64(): bigint {
    return this.buf.readBigUInt64LE(this.take(8))
  }
  scalar(type: GgufScalarType): number | bigint {
    const b = this.buf
    switch (type) {
      case 'u8':
        return b.readUInt8(this.take(1))
      case 'i8':
        return b.readInt8(this.take(1))
      case 'u16':
        return b.readUInt16LE(this.take(2))
      case 'i16':
        return b.readInt16LE(this.take(2))
      case 'u32':
        return b.readUInt32LE(this.take(4))
      case 'i32':
        return b.readInt32LE(this.take(4))
      case 'f32':
        return b.readFloatLE(this.take(4))
      case 'f64':
        return b.readDoubleLE(this.take(8))
      case 'u64':
        return b.readBigUInt64LE(this.take(8))
      case 'i64':
        return b.readBigInt64LE(this.take(8))
    }
  }
  utf8(n: number): string {
    const at = this.take(n)
    return this.buf.toString('utf8', at, at + n)
  }
}

/**
 * Reads a GGUF v2/v3 header: metadata (with exact types), tensor infos (dims in ggml `ne` order)
 * and the absolute data offset. Checks that every tensor of a known type lies inside the file, so
 * a partly downloaded model fails here rather than in llama-server. Throws `GgufError` with code
 * `NOT_GGUF`, `UNSUPPORTED_VERSION`, `TRUNCATED`, `CORRUPT` or `IO`.
 */
export async function readGgufHeader(path: string): Promise<GgufHeader> {
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (cause) {
    throw new GgufError('IO', path, `cannot open: ${(cause as Error).message}`, { cause })
  }
  try {
    const { size } = await fh.stat()
    return await parseHeader(new Cursor(fh, path, size))
  } finally {
    await fh.close()
  }
}

async function parseHeader(c: Cursor): Promise<GgufHeader> {
  if (c.fileSize < 4) throw new GgufError('NOT_GGUF', c.path, `${c.fileSize}-byte file has no GGUF magic`)
  await c.need(4, 'the magic')
  const magic = c.u32()
  if (magic !== GGUF_MAGIC) {
    throw new GgufError(
      'NOT_GGUF',
      c.path,
      `bad magic 0x${magic.toString(16).padStart(8, '0')} (not a GGUF file)`,
    )
  }
  await c.need(20, 'the header counts')
  const version = c.u32()
  if (version !== 2 && version !== 3) {
    // A big-endian file's version 3 reads as 0x03000000 here.
    const hint = version === 0x03000000 || version === 0x02000000 ? ' (big-endian GGUF is not supported)' : ''
    throw new GgufError(
      'UNSUPPORTED_VERSION',
      c.path,
      `GGUF version ${version} is not supported${hint}; need 2 or 3`,
    )
  }
  const tensorCount = count(c, c.u64(), MAX_TENSORS, 'tensors')
  const kvCount = count(c, c.u64(), MAX_KV, 'metadata entries')

  const metadata = new Map<string, GgufValue>()
  for (let i = 0; i < kvCount; i++) {
    const key = await readString(c, `metadata key ${i}`)
    if (metadata.has(key)) throw new GgufError('CORRUPT', c.path, `duplicate metadata key '${key}'`)
    await c.need(4, `the type of '${key}'`)
    metadata.set(key, await readValue(c, c.u32(), key, 0))
  }

  const tensors: GgufTensorInfo[] = []
  for (let i = 0; i < tensorCount; i++) {
    const name = await readString(c, `tensor name ${i}`)
    await c.need(4, `tensor '${name}'`)
    const nDims = c.u32()
    if (nDims > MAX_DIMS) {
      throw new GgufError('CORRUPT', c.path, `tensor '${name}' claims ${nDims} dimensions`)
    }
    await c.need(nDims * 8 + 12, `tensor '${name}'`)
    const dims: number[] = []
    for (let d = 0; d < nDims; d++) {
      dims.push(count(c, c.u64(), Number.MAX_SAFE_INTEGER, `elements in '${name}'`))
    }
    tensors.push({ name, dims, type: c.u32(), offset: count(c, c.u64(), Number.MAX_SAFE_INTEGER, 'bytes') })
  }

  const align = metadata.get('general.alignment')
  const alignment = align === undefined ? GGUF_DEFAULT_ALIGNMENT : align.type === 'u32' ? align.value : 0
  if (alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
    throw new GgufError('CORRUPT', c.path, 'general.alignment must be a u32 power of two')
  }
  const dataOffset = Math.ceil(c.pos / alignment) * alignment
  for (const t of tensors) {
    const bytes = ggmlTensorBytes(t.type, t.dims)
    if (bytes !== undefined && dataOffset + t.offset + bytes > c.fileSize) {
      throw new GgufError(
        'TRUNCATED',
        c.path,
        `tensor '${t.name}' ends at byte ${dataOffset + t.offset + bytes}, past the end of the ${c.fileSize}-byte file`,
      )
    }
  }
  return { version, metadata, tensors, alignment, dataOffset, fileSize: c.fileSize }
}

/** A u64 count as a number, failing on values no sane header has. */
function count(c: Cursor, n: bigint, max: number, what: string): number {
  if (n > BigInt(max)) throw new GgufError('CORRUPT', c.path, `header claims ${n} ${what} (limit ${max})`)
  return Number(n)
}

async function readString(c: Cursor, what: string): Promise<string> {
  await c.need(8, what)
  const n = count(c, c.u64(), MAX_STRING, `bytes in ${what}`)
  await c.need(n, what)
  return c.utf8(n)
}

// biome-ignore format: a table
const SCALAR_SIZE: Record<GgufScalarType, number> = {
  u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, f64: 8, u64: 8, i64: 8,
}

async function readValue(c: Cursor, typeId: number, key: string, depth: number): Promise<GgufValue> {
  const type = TYPE_NAMES[typeId]
  if (type === undefined) throw new GgufError('CORRUPT', c.path, `'${key}' has unknown value type ${typeId}`)
  if (type === 'string') return { type, value: await readString(c, `'${key}'`) }
  if (type === 'bool') {
    await c.need(1, `'${key}'`)
    return { type, value: c.u8() !== 0 }
  }
  if (type === 'array') return readArray(c, key, depth)
  await c.need(SCALAR_SIZE[type], `'${key}'`)
  const value = c.scalar(type)
  return type === 'u64' || type === 'i64'
    ? { type, value: value as bigint }
    : { type, value: value as number }
}

async function readArray(c: Cursor, key: string, depth: number): Promise<GgufArray> {
  if (depth > 8) throw new GgufError('CORRUPT', c.path, `'${key}' nests arrays too deeply`)
  await c.need(12, `'${key}'`)
  const of = TYPE_NAMES[c.u32()]
  const n = count(c, c.u64(), MAX_ARRAY, `elements in '${key}'`)
  if (of === undefined) throw new GgufError('CORRUPT', c.path, `'${key}' is an array of an unknown type`)
  if (of === 'string') {
    const value: string[] = []
    for (let i = 0; i < n; i++) value.push(c.tryString() ?? (await readString(c, `'${key}'[${i}]`)))
    return { type: 'array', of, value }
  }
  if (of === 'array') {
    const value: GgufArray[] = []
    for (let i = 0; i < n; i++) value.push(await readArray(c, key, depth + 1))
    return { type: 'array', of, value }
  }
  const size = of === 'bool' ? 1 : SCALAR_SIZE[of]
  await c.need(n * size, `'${key}'`)
  if (of === 'bool') return { type: 'array', of, value: Array.from({ length: n }, () => c.u8() !== 0) }
  const value: (number | bigint)[] = new Array(n)
  for (let i = 0; i < n; i++) value[i] = c.scalar(of)
  return { type: 'array', of, value } as GgufArray
}
