/**
 * A general lexicon of English (and one of Chinese): which tokens are words of the language, and
 * how common each is in everyday use. It answers two questions retrieval cannot answer from the corpus
 * alone: is an unknown token a typo or a real word the handbook does not use ("took", "summer"),
 * and how much an out-of-corpus word says about the question ("tho" little, "softball" much).
 *
 * It is built on Node from registry packages (see resources/install.ts), stored once in the
 * database (`resources`), and read here: edge-safe, so the Worker uses it at question time. The
 * representation is a Bloom filter over `band:word` keys (about 0.5 MB for 290k words): a lookup
 * tries each frequency band from the commonest down.
 */

/** Frequency bands, commonest first, as Zipf values (log10 of occurrences per billion words). */
export const BANDS = [
  { band: 'a', zipf: 5.5 }, // ≥ 5: the, take, week
  { band: 'b', zipf: 4.5 }, // 4–5: summer, dress, shop
  { band: 'c', zipf: 3.5 }, // 3–4: pets, softball, gym
  { band: 'd', zipf: 2.5 }, // 2–3: stipend, tho
  { band: 'e', zipf: 1.5 }, // < 2, or only in the word list: rare words
] as const

export type Band = (typeof BANDS)[number]['band']

/** The lexicons and their format versions: stored data of another version is ignored (and rebuilt). */
export const LEXICONS = {
  en: { resource: 'lexicon-en', version: 'en-subtlex-words-v1' },
  zh: { resource: 'lexicon-zh', version: 'zh-jieba-big-v1' },
} as const

export type LexiconLanguage = keyof typeof LEXICONS

/** A lexicon lookup: the word's Zipf frequency, or undefined when it is not an English word. */
export interface Lexicon {
  zipf(word: string): number | undefined
  /** Number of words it holds (0 when none was loaded). */
  readonly size: number
}

/** A lexicon that knows no word (no lexicon loaded): every caller falls back to corpus evidence. */
export const EMPTY_LEXICON: Lexicon = { zipf: () => undefined, size: 0 }

const HASHES = 10

/** FNV-1a over UTF-16 code units, with a seed (two independent hashes for double hashing). */
function fnv(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

function positions(key: string, bits: number): number[] {
  const h1 = fnv(key, 0)
  const h2 = fnv(key, 0x5bd1e995) | 1
  const out: number[] = []
  for (let i = 0; i < HASHES; i++) out.push(((h1 + Math.imul(i, h2)) >>> 0) % bits)
  return out
}

/** Builds the Bloom filter's bytes from words and their bands (14 bits a word: ~0.1 % false hits). */
export function buildLexiconBits(entries: Iterable<[string, Band]>, count: number): Uint8Array {
  const bits = Math.max(64, count * 14)
  const bytes = new Uint8Array(Math.ceil(bits / 8) + 4)
  new DataView(bytes.buffer).setUint32(0, bits, true)
  for (const [word, band] of entries) {
    for (const p of positions(band + word, bits)) {
      const i = 4 + (p >>> 3)
      bytes[i] = (bytes[i] ?? 0) | (1 << (p & 7))
    }
  }
  return bytes
}

/** A lexicon over the bytes `buildLexiconBits` made. */
export function lexiconFromBits(bytes: Uint8Array, size: number): Lexicon {
  const bits = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true)
  const has = (key: string) => positions(key, bits).every((p) => ((bytes[4 + (p >>> 3)] ?? 0) >> (p & 7)) & 1)
  return {
    size,
    zipf(word: string) {
      const w = word.toLowerCase()
      for (const b of BANDS) if (has(b.band + w)) return b.zipf
      return undefined
    },
  }
}

/** The band of a word that occurs `count` times in a corpus of `total` words. */
export function bandOf(count: number | undefined, total: number): Band {
  if (count === undefined || count <= 0) return 'e'
  const zipf = Math.log10((count / total) * 1e9)
  return zipf >= 5 ? 'a' : zipf >= 4 ? 'b' : zipf >= 3 ? 'c' : zipf >= 2 ? 'd' : 'e'
}

/** Base64 without Node's Buffer (workerd has atob/btoa). */
export function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}
