import type { Chunk } from '../../workers/knowledge/chunk'

/** A small seeded PRNG (mulberry32): the same synthetic corpus on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Filler passages for scale benchmarks: a word-bigram Markov chain trained on the real handbook
 * text writes policy-like sentences with the same vocabulary, so they compete with the real
 * passages the way another department's pages would.
 */
export function createFillerWriter(texts: string[], seed = 42) {
  const next = new Map<string, string[]>()
  const starts: string[] = []
  for (const t of texts) {
    for (const sentence of t.split(/(?<=[.!?])\s+/)) {
      const words = sentence.split(/\s+/).filter((w) => w && !w.startsWith('|'))
      if (words.length < 4 || /[\u4e00-\u9fff]/.test(sentence)) continue
      starts.push(words[0] as string)
      for (let i = 0; i + 1 < words.length; i++) {
        const list = next.get(words[i] as string) ?? []
        list.push(words[i + 1] as string)
        next.set(words[i] as string, list)
      }
    }
  }
  const random = rng(seed)
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T
  const sentence = () => {
    const words = [pick(starts)]
    while (words.length < 40) {
      const options = next.get(words.at(-1) as string)
      if (!options) break
      const w = pick(options)
      words.push(w)
      if (/[.!?]$/.test(w) && words.length > 6) break
    }
    const s = words.join(' ')
    return /[.!?]$/.test(s) ? s : `${s}.`
  }
  const headings = [
    'Eligibility',
    'Procedure',
    'Exceptions',
    'Approvals',
    'Records',
    'Scope',
    'Definitions',
    'Responsibilities',
  ]
  return {
    /** `count` chunks of 4–8 sentences under one of a few generic headings. */
    chunks(count: number): Chunk[] {
      return Array.from({ length: count }, (_, i) => ({
        ordinal: i,
        headingPath: [pick(headings)],
        text: Array.from({ length: 4 + Math.floor(random() * 5) }, sentence).join(' '),
      }))
    },
  }
}
