import { stat } from 'node:fs/promises'
import { GgufError, type GgufHeader, type GgufTensorInfo, readGgufHeader } from './reader'

/**
 * Base-model headers, read once per file version: every adapter of a model is checked against
 * the same base (at start-up and on each upload), and a 7B model's header with a 150k-token vocab
 * takes a few hundred milliseconds to parse. Keyed by path, size and mtime, so a replaced file is
 * read again; a failed read is not kept.
 */
const baseHeaders = new Map<string, Promise<GgufHeader>>()

async function baseHeader(path: string): Promise<GgufHeader> {
  const s = await stat(path).catch(() => undefined)
  if (!s) return readGgufHeader(path) // let the reader report the missing file as usual
  const key = `${path}\0${s.size}\0${s.mtimeMs}`
  let header = baseHeaders.get(key)
  if (!header) {
    header = readGgufHeader(path)
    header.catch(() => baseHeaders.delete(key))
    if (baseHeaders.size > 16) baseHeaders.clear()
    baseHeaders.set(key, header)
  }
  return header
}

/**
 * Checks a LoRA adapter against its base model the way llama.cpp's loader does
 * (`llama_adapter_lora_init_impl` in src/llama-adapter.cpp), but before llama-server is started:
 * there a bad adapter makes the whole server exit with a one-line hint. Here the message names
 * the tensor and both shapes.
 */

/** What a valid adapter looks like, for logs and the runner's adapter listing. */
export interface LoraAdapterInfo {
  architecture: string
  name?: string
  /** `adapter.lora.alpha`; llama.cpp scales by alpha / rank, or by 1 when alpha is absent or 0. */
  alpha?: number
  /** Adapter tensors, including ignored `*_norm.weight` ones. */
  tensorCount: number
  /** Base tensors the adapter modifies, e.g. `blk.0.attn_q.weight`, in file order. */
  targets: string[]
}

/**
 * Validates the adapter at `adapterPath` against the base model at `basePath` and returns what it
 * holds. Throws `GgufError` on the first problem (style: a bad adapter is an error the caller
 * reports, never a state to carry on with), by `code`:
 * - reader codes (`NOT_GGUF`, `TRUNCATED`, …) for either file;
 * - `NOT_MODEL`: the base is itself an adapter;
 * - `NOT_LORA`: not an adapter (`general.type`/`adapter.type`), a metadata value of a type that
 *   would abort llama.cpp, an unpaired `lora_a`/`lora_b`, an unexpected tensor suffix, or A and B
 *   ranks that disagree;
 * - `ARCH_MISMATCH`: `general.architecture` differs from the base's;
 * - `UNKNOWN_TARGET`: a target tensor the base does not have;
 * - `SHAPE_MISMATCH`: A/B shapes that do not fit the target tensor.
 */
export async function validateLoraAdapter(adapterPath: string, basePath: string): Promise<LoraAdapterInfo> {
  const [adapter, base] = await Promise.all([readGgufHeader(adapterPath), baseHeader(basePath)])
  const fail = (code: 'NOT_LORA' | 'ARCH_MISMATCH' | 'SHAPE_MISMATCH' | 'UNKNOWN_TARGET', msg: string) =>
    new GgufError(code, adapterPath, msg)

  const baseType = optString(base, 'general.type', basePath, 'NOT_MODEL')
  if (baseType === 'adapter') throw new GgufError('NOT_MODEL', basePath, 'is an adapter, not a base model')
  const generalType = optString(adapter, 'general.type', adapterPath, 'NOT_LORA')
  if (generalType !== 'adapter') {
    throw fail('NOT_LORA', `general.type is ${quote(generalType)}, expected 'adapter' (is this a model?)`)
  }
  const adapterType = optString(adapter, 'adapter.type', adapterPath, 'NOT_LORA')
  if (adapterType !== 'lora') throw fail('NOT_LORA', `adapter.type is ${quote(adapterType)}, expected 'lora'`)
  const architecture = optString(adapter, 'general.architecture', adapterPath, 'NOT_LORA') ?? ''
  const baseArch = optString(base, 'general.architecture', basePath, 'NOT_MODEL') ?? ''
  if (architecture !== baseArch) {
    throw fail(
      'ARCH_MISMATCH',
      `adapter architecture ${quote(architecture)} does not match base ${quote(baseArch)}`,
    )
  }
  // llama.cpp reads these with typed getters that abort the process on a type mismatch.
  const alphaValue = adapter.metadata.get('adapter.lora.alpha')
  if (alphaValue && alphaValue.type !== 'f32') throw fail('NOT_LORA', 'adapter.lora.alpha must be an f32')
  const alora = adapter.metadata.get('adapter.alora.invocation_tokens')
  if (alora && !(alora.type === 'array' && alora.of === 'u32')) {
    throw fail('NOT_LORA', 'adapter.alora.invocation_tokens must be an array of u32')
  }

  const pairs = pairTensors(adapter.tensors, (msg) => fail('NOT_LORA', msg))
  const baseTensors = new Map(base.tensors.map((t) => [t.name, t]))
  // Sorted like llama.cpp's std::map, so the first problem reported is the one it would report.
  for (const [target, { a, b }] of [...pairs].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (!a || !b) {
      throw fail('NOT_LORA', `'${target}' has ${a ? 'lora_a' : 'lora_b'} but no ${a ? 'lora_b' : 'lora_a'}`)
    }
    const model = baseTensors.get(target)
    if (!model) {
      throw fail('UNKNOWN_TARGET', `targets '${target}', which the base model ${basePath} does not have`)
    }
    const problem = shapeProblem(target, model.dims, a.dims, b.dims)
    if (problem) {
      const shapes = `base ne [${model.dims.join(', ')}], lora_a ne [${a.dims.join(', ')}], lora_b ne [${b.dims.join(', ')}]`
      throw fail(problem.code, `tensor '${target}': ${problem.msg}; ${shapes} (wrong base model?)`)
    }
  }
  // Only shown to people: a non-string name is left out rather than failing the adapter.
  const nameValue = adapter.metadata.get('general.name')
  const name = nameValue?.type === 'string' ? nameValue.value : undefined
  return {
    architecture,
    ...(name !== undefined && { name }),
    ...(alphaValue?.type === 'f32' && { alpha: alphaValue.value }),
    tensorCount: adapter.tensors.length,
    targets: [...pairs.keys()],
  }
}

/** Groups `<target>.lora_a` / `.lora_b` by target; norm vectors are skipped as llama.cpp does. */
function pairTensors(
  tensors: GgufTensorInfo[],
  fail: (msg: string) => GgufError,
): Map<string, { a?: GgufTensorInfo; b?: GgufTensorInfo }> {
  const pairs = new Map<string, { a?: GgufTensorInfo; b?: GgufTensorInfo }>()
  for (const t of tensors) {
    const m = /^(.*)\.lora_([ab])$/.exec(t.name)
    if (!m) {
      if (t.name.endsWith('_norm.weight')) continue
      throw fail(`tensor '${t.name}' has an unexpected suffix (expected .lora_a or .lora_b)`)
    }
    const target = m[1] as string
    const which = m[2] === 'a' ? 'a' : 'b'
    const pair = pairs.get(target) ?? {}
    pair[which] = t
    pairs.set(target, pair)
  }
  return pairs
}

/**
 * llama.cpp's shape rule: for W with ne [in, out], A is [in, r] and B is [r, out]. `token_embd`
 * is looked up rather than multiplied, so there A and B are flipped (B [in, r], A [r, out]).
 */
function shapeProblem(
  target: string,
  w: number[],
  a: number[],
  b: number[],
): { code: 'SHAPE_MISMATCH' | 'NOT_LORA'; msg: string } | undefined {
  const [w0, w1 = 1] = w
  const mismatch = (what: string, got: number | undefined, baseDim: string, base: number | undefined) => ({
    code: 'SHAPE_MISMATCH' as const,
    msg: `${what} (${got}) must equal the base's ${baseDim} (${base})`,
  })
  if (target.endsWith('token_embd.weight')) {
    if (w0 !== b[1]) return mismatch('lora_b ne[1]', b[1], 'ne[0]', w0)
    if (w1 !== a[1]) return mismatch('lora_a ne[1]', a[1], 'ne[1]', w1)
    return undefined
  }
  if (w0 !== a[0]) return mismatch('lora_a ne[0]', a[0], 'ne[0]', w0)
  if (w1 !== b[1]) return mismatch('lora_b ne[1]', b[1], 'ne[1]', w1)
  if (a[1] !== b[0]) {
    return { code: 'NOT_LORA', msg: `lora_a ne[1] (${a[1]}) must equal lora_b ne[0] (${b[0]}), the rank` }
  }
  return undefined
}

function optString(
  h: GgufHeader,
  key: string,
  path: string,
  code: 'NOT_LORA' | 'NOT_MODEL',
): string | undefined {
  const v = h.metadata.get(key)
  if (v === undefined) return undefined
  if (v.type !== 'string') throw new GgufError(code, path, `${key} must be a string, not ${v.type}`)
  return v.value
}

function quote(s: string | undefined): string {
  return s === undefined ? 'missing' : `'${s}'`
}
