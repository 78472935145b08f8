/**
 * Dictionary segmentation of a run of Chinese characters: the most probable sequence of words
 * (a unigram model, as jieba does), from a general dictionary with word frequencies plus the
 * corpus's own vocabulary. ICU's segmenter splits many two-character policy words into single
 * characters (病假 → 病 假) and knows none of a company's terms; this is what tells which of a
 * question's characters form the words it asks about.
 */

/** Longest word considered, in characters. */
const MAX_WORD = 5

/** log10 probability of a character no dictionary knows, as a word of its own. */
const UNKNOWN_CHAR = -9
/**
 * log10 probability of a word of three or more characters the corpus uses but the dictionary
 * lacks (a company's own term). Two characters the corpus has side by side are not a word by that
 * alone: every bigram of its text is indexed.
 */
const CORPUS_WORD = -6

/**
 * The words of a run, in order. `zipf` gives a dictionary word's Zipf frequency (log10 per
 * billion words), undefined for a non-word; `inCorpus` says whether the documents use a string.
 */
export function segmentByDictionary(
  run: string,
  zipf: (word: string) => number | undefined,
  inCorpus: (word: string) => boolean,
): string[] {
  const chars = [...run]
  const n = chars.length
  const best: { score: number; words: number; from: number }[] = [{ score: 0, words: 0, from: -1 }]
  for (let i = 1; i <= n; i++) {
    let top = { score: Number.NEGATIVE_INFINITY, words: 0, from: i - 1 }
    for (let j = Math.max(0, i - MAX_WORD); j < i; j++) {
      const prev = best[j]
      if (!prev) continue
      const word = chars.slice(j, i).join('')
      const z = zipf(word)
      const p =
        z !== undefined
          ? z - 9
          : i - j === 1
            ? UNKNOWN_CHAR
            : i - j >= 3 && inCorpus(word)
              ? CORPUS_WORD
              : undefined
      if (p === undefined) continue
      const score = prev.score + p
      if (score > top.score || (score === top.score && prev.words + 1 < top.words))
        top = { score, words: prev.words + 1, from: j }
    }
    best.push(top)
  }
  const words: string[] = []
  for (let i = n; i > 0; i = best[i]?.from ?? 0) words.unshift(chars.slice(best[i]?.from ?? 0, i).join(''))
  return words
}
