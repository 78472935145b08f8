import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ensureLlamaServer } from '../../gpu-runner/build/llama-server'
import { type GgufValue, readGgufHeader } from '../../gpu-runner/gguf/reader'
import { type GgufTensorInput, gguf, writeGguf } from '../../gpu-runner/gguf/writer'

/**
 * Deterministic random-weight llama models and LoRA adapters that the real llama-server loads
 * and runs in milliseconds on a CPU (layout: shared/notes/llama-server.md §3–4). Same options,
 * same bytes: a seeded PRNG, fixed tensor order, no timestamps.
 */

/** Shape and identity of a tiny model. */
export interface TinyModelOptions {
  /** `ggml-vocab-llama-spm.gguf`, whose tokenizer is copied (see `vocabPath`). */
  vocabPath: string
  seed?: number
  nEmbd?: number
  nLayer?: number
  nHead?: number
  nHeadKv?: number
  nFf?: number
  ctx?: number
  name?: string
}

/** A tiny adapter for the model at `basePath` (its shapes and architecture are read from it). */
export interface TinyLoraOptions {
  basePath: string
  seed?: number
  rank?: number
  alpha?: number
  /** Multiplies B; 1 makes B·A about as large as the base weights. */
  gain?: number
  name?: string
}

/** The ChatML template (Jinja), using the `<|im_start|>`/`<|im_end|>` control tokens appended to the vocab. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

const LORA_TARGETS = /^blk\.\d+\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight$/
const TOKEN_TYPE_CONTROL = 3

/** mulberry32 with Box–Muller: a normal sampler that is the same on every platform. */
function normals(seed: number): (n: number, std: number) => Float32Array {
  let s = seed >>> 0
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297 // (0, 1): log() stays finite
  }
  return (n, std) => {
    const out = new Float32Array(n)
    // Both Box–Muller outputs are used: half the log/sqrt work on the 4M-value embeddings.
    for (let i = 0; i < n; i += 2) {
      const r = std * Math.sqrt(-2 * Math.log(uniform()))
      const theta = 2 * Math.PI * uniform()
      out[i] = r * Math.cos(theta)
      if (i + 1 < n) out[i + 1] = r * Math.sin(theta)
    }
    return out
  }
}

/** The vocab file's `tokenizer.*` entries, with the two ChatML control tokens appended. */
async function chatmlTokenizer(
  vocabPath: string,
): Promise<{ entries: Array<[string, GgufValue]>; nVocab: number }> {
  const { metadata } = await readGgufHeader(vocabPath)
  const entries: Array<[string, GgufValue]> = []
  let nVocab = 0
  for (const [key, value] of metadata) {
    if (!key.startsWith('tokenizer.')) continue
    if (value.type === 'array' && value.of === 'string' && key === 'tokenizer.ggml.tokens') {
      const value2 = [...value.value, '<|im_start|>', '<|im_end|>']
      nVocab = value2.length
      entries.push([key, gguf.strings(value2)])
    } else if (value.type === 'array' && value.of === 'f32' && key === 'tokenizer.ggml.scores') {
      entries.push([key, gguf.f32s([...value.value, 0, 0])])
    } else if (value.type === 'array' && value.of === 'i32' && key === 'tokenizer.ggml.token_type') {
      entries.push([key, gguf.i32s([...value.value, TOKEN_TYPE_CONTROL, TOKEN_TYPE_CONTROL])])
    } else {
      entries.push([key, value])
    }
  }
  if (nVocab === 0) throw new Error(`${vocabPath} has no tokenizer.ggml.tokens`)
  entries.push(['tokenizer.chat_template', gguf.str(CHATML_TEMPLATE)])
  return { entries, nVocab }
}

/**
 * Writes a random-weight llama model (defaults: n_embd 64, 2 layers, 4 heads, n_ff 128, ctx 256;
 * about 5 MB): the llama-spm tokenizer plus ChatML control tokens 32000/32001 and template,
 * F16 `token_embd` with std 0.5 (tied output, no `output.weight`), norms of ones, and every other
 * weight N(0, 1/sqrt(in)) in F32.
 */
export async function writeTinyModel(path: string, options: TinyModelOptions): Promise<void> {
  const { seed = 0, nEmbd = 64, nLayer = 2, nHead = 4, nHeadKv = 4, nFf = 128, ctx = 256 } = options
  const name = options.name ?? 'tiny-random-llama'
  const headDim = nEmbd / nHead
  if (!Number.isInteger(headDim)) throw new Error(`nEmbd ${nEmbd} is not a multiple of nHead ${nHead}`)
  const { entries, nVocab } = await chatmlTokenizer(options.vocabPath)
  const normal = normals(seed)
  const ones = (n: number) => new Float32Array(n).fill(1)
  const tensors: GgufTensorInput[] = [
    { name: 'token_embd.weight', dims: [nEmbd, nVocab], type: 'F16', data: normal(nEmbd * nVocab, 0.5) },
    { name: 'output_norm.weight', dims: [nEmbd], type: 'F32', data: ones(nEmbd) },
  ]
  // ne is [in, out]; weights scaled so activations keep unit variance through random layers.
  const linear = (tensor: string, inDim: number, outDim: number): GgufTensorInput => ({
    name: tensor,
    dims: [inDim, outDim],
    type: 'F32',
    data: normal(inDim * outDim, 1 / Math.sqrt(inDim)),
  })
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}`
    tensors.push(
      { name: `${p}.attn_norm.weight`, dims: [nEmbd], type: 'F32', data: ones(nEmbd) },
      linear(`${p}.attn_q.weight`, nEmbd, nEmbd),
      linear(`${p}.attn_k.weight`, nEmbd, headDim * nHeadKv),
      linear(`${p}.attn_v.weight`, nEmbd, headDim * nHeadKv),
      linear(`${p}.attn_output.weight`, nEmbd, nEmbd),
      { name: `${p}.ffn_norm.weight`, dims: [nEmbd], type: 'F32', data: ones(nEmbd) },
      linear(`${p}.ffn_gate.weight`, nEmbd, nFf),
      linear(`${p}.ffn_up.weight`, nEmbd, nFf),
      linear(`${p}.ffn_down.weight`, nFf, nEmbd),
    )
  }
  await writeGguf(path, {
    metadata: [
      ['general.architecture', gguf.str('llama')],
      ['general.type', gguf.str('model')],
      ['general.name', gguf.str(name)],
      ['llama.context_length', gguf.u32(ctx)],
      ['llama.embedding_length', gguf.u32(nEmbd)],
      ['llama.block_count', gguf.u32(nLayer)],
      ['llama.feed_forward_length', gguf.u32(nFf)],
      ['llama.attention.head_count', gguf.u32(nHead)],
      ['llama.attention.head_count_kv', gguf.u32(nHeadKv)],
      ['llama.rope.dimension_count', gguf.u32(headDim)],
      ['llama.rope.freq_base', gguf.f32(10000)],
      ['llama.attention.layer_norm_rms_epsilon', gguf.f32(1e-5)],
      ['llama.vocab_size', gguf.u32(nVocab)],
      ['general.file_type', gguf.u32(1)], // MOSTLY_F16
      ...entries,
    ],
    tensors,
  })
}

/**
 * Writes a LoRA adapter for the base at `options.basePath` (defaults: rank 8, alpha 8, so
 * llama.cpp's scale alpha/rank is 1) targeting attn_q/k/v/output and ffn_gate/up/down of every
 * layer. A ~ N(0, 1/in) and B ~ N(0, 1/rank)·gain (variances), so B·A is about as large as the
 * base weight: at scale 1 greedy output differs completely from the base. PEFT keeps B at zero
 * at init; a zero delta would make the adapter undetectable here.
 */
export async function writeTinyLora(path: string, options: TinyLoraOptions): Promise<void> {
  const { seed = 1, rank = 8, alpha = rank, gain = 1 } = options
  const base = await readGgufHeader(options.basePath)
  const arch = base.metadata.get('general.architecture')
  if (arch?.type !== 'string') throw new Error(`${options.basePath} has no general.architecture`)
  const normal = normals(seed)
  const tensors: GgufTensorInput[] = []
  for (const t of base.tensors.filter((t) => LORA_TARGETS.test(t.name))) {
    const [inDim = 0, outDim = 0] = t.dims
    tensors.push(
      {
        name: `${t.name}.lora_a`,
        dims: [inDim, rank],
        type: 'F32',
        data: normal(inDim * rank, Math.sqrt(1 / inDim)),
      },
      {
        name: `${t.name}.lora_b`,
        dims: [rank, outDim],
        type: 'F32',
        data: normal(rank * outDim, gain * Math.sqrt(1 / rank)),
      },
    )
  }
  await writeGguf(path, {
    metadata: [
      ['general.architecture', gguf.str(arch.value)],
      ['general.type', gguf.str('adapter')],
      ['adapter.type', gguf.str('lora')],
      ['adapter.lora.alpha', gguf.f32(alpha)],
      ['general.name', gguf.str(options.name ?? `tiny-lora-${seed}`)],
    ],
    tensors,
  })
}

/** Paths written by `makeTinyModels`. */
export interface TinyModels {
  /** The base model (seed 0, n_embd 64). */
  tiny: string
  /** Adapters for `tiny`, seeds 1 and 2. */
  loraA: string
  loraB: string
  /** A different base (seed 7, n_embd 128, n_ff 256): `loraA` does not fit it. */
  tinyB: string
}

/**
 * Writes `tiny.gguf`, `lora-a.gguf`, `lora-b.gguf` and `tiny-b.gguf` into `dir` (about 15 MB,
 * well under a second) and returns their paths.
 */
export async function makeTinyModels(dir: string, vocab: string): Promise<TinyModels> {
  const out: TinyModels = {
    tiny: join(dir, 'tiny.gguf'),
    loraA: join(dir, 'lora-a.gguf'),
    loraB: join(dir, 'lora-b.gguf'),
    tinyB: join(dir, 'tiny-b.gguf'),
  }
  await Promise.all([
    // A trained context of 8192 so long generations (timeouts, cancellation) are not cut at 256.
    writeTinyModel(out.tiny, { vocabPath: vocab, seed: 0, ctx: 8192 }),
    writeTinyModel(out.tinyB, {
      vocabPath: vocab,
      seed: 7,
      nEmbd: 128,
      nFf: 256,
      name: 'tiny-random-llama-b',
    }),
  ])
  await Promise.all([
    writeTinyLora(out.loraA, { basePath: out.tiny, seed: 1, name: 'lora-a' }),
    writeTinyLora(out.loraB, { basePath: out.tiny, seed: 2, name: 'lora-b' }),
  ])
  return out
}

/**
 * The llama-spm vocab that ships beside the cached llama-server build
 * (`<entry>/models/ggml-vocab-llama-spm.gguf`, `<entry>/bin/llama-server`); builds llama-server
 * first on a cold cache. With `LLAMA_SERVER_BIN` set, the vocab must sit in `../models/` of it.
 */
export function vocabPath(): string {
  const bin = ensureLlamaServer()
  const vocab = join(dirname(dirname(bin)), 'models', 'ggml-vocab-llama-spm.gguf')
  if (!existsSync(vocab)) throw new Error(`no llama-spm vocab beside ${bin}: expected ${vocab}`)
  return vocab
}
