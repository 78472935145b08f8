import { analyze } from '../text/analyze'
import { conceptsOf } from '../text/thesaurus'
import type { Embedder, EmbedOptions } from './types'

/** Feature weights: whole words dominate; trigrams give typo tolerance; concepts bridge synonyms. */
const WORD = 1
const BIGRAM = 0.5
const TRIGRAM = 0.6 // spread over a word's trigrams
const CONCEPT = 0.9 // same script as the text
const CONCEPT_ANY_SCRIPT = 0.3 // shared across languages
const CJK_BIGRAM = 0.45

/**
 * A deterministic embedder that needs no model weights: signed feature hashing of stemmed words,
 * adjacent word pairs, character trigrams (so "reimbursment" lands near "reimbursement"), CJK
 * character bigrams, and concept ids from the policy thesaurus (so "PTO" lands near "annual
 * leave"), sublinear in term frequency and L2-normalised. Same text, same vector, on every machine.
 * v2 follows the index's analysis (CJK characters and bigrams, hyphenated compounds, thesaurus
 * phrases kept whole), so its vectors differ from v1's and the key changed with them; v3 adds the
 * colloquial lexicon's concepts.
 */
export function createLocalEmbedder(dimensions = 512): Embedder {
  return {
    key: `local-hash-v3:${dimensions}`,
    dimensions,
    async embed(texts, _purpose, options?: EmbedOptions) {
      return texts.map((t) => embedOne(t, dimensions, options?.termWeight))
    },
  }
}

function embedOne(text: string, dims: number, termWeight?: (stem: string) => number): number[] {
  const features = new Map<string, number>()
  const add = (f: string, w: number) => features.set(f, (features.get(f) ?? 0) + w)
  const terms = analyze(text)
  const weightOf = (stem: string) => (termWeight ? termWeight(stem) : 1)
  let prev: string | undefined
  for (const t of terms) {
    const w = weightOf(t.stem)
    add(`w:${t.stem}`, WORD * w)
    if (prev) add(`b:${prev} ${t.stem}`, BIGRAM * w)
    prev = t.stem
    if (t.cjk) {
      const chars = [...t.surface]
      for (let i = 0; i + 1 < chars.length; i++) add(`c2:${chars[i]}${chars[i + 1]}`, CJK_BIGRAM * w)
      if (chars.length === 1) add(`c1:${t.surface}`, CJK_BIGRAM * w)
    } else if (t.surface.length >= 4 && !/^\d+$/.test(t.surface)) {
      const padded = `<${t.surface}>`
      const n = padded.length - 2
      for (let i = 0; i < n; i++) add(`t:${padded.slice(i, i + 3)}`, (TRIGRAM * w) / Math.sqrt(n))
    }
  }
  // A concept named in Chinese and one named in English meet, weakly: same-language passages first.
  const latin = conceptsOf(terms.filter((t) => !t.cjk).map((t) => t.stem))
  const cjk = conceptsOf(terms.filter((t) => t.cjk).map((t) => t.stem))
  for (const [script, found] of [
    ['l', latin],
    ['c', cjk],
  ] as const) {
    for (const [concept, count] of found) {
      add(`k:${script}:${concept}`, CONCEPT * Math.min(count, 3))
      add(`k:${concept}`, CONCEPT_ANY_SCRIPT * Math.min(count, 3))
    }
  }

  const v = new Float64Array(dims)
  for (const [f, raw] of features) {
    const h = fnv1a(f)
    // Sublinear term frequency: repeating a word helps, but less and less.
    const w = raw > 1 ? 1 + Math.log(raw) : raw
    v[h % dims] = (v[h % dims] ?? 0) + (h & 0x80000000 ? -w : w)
  }
  let norm = 0
  for (const x of v) norm += x * x
  norm = Math.sqrt(norm) || 1
  return Array.from(v, (x) => Math.round((x / norm) * 1e6) / 1e6)
}

/** 32-bit FNV-1a over UTF-16 code units; stable across platforms. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
