import { CJK_RUN } from './script'

/**
 * Word and sentence segmentation with `Intl.Segmenter` (ICU): Chinese and Japanese have no spaces,
 * so Postgres full-text search sees a whole sentence as one token unless we split it first.
 */

const wordSegmenters = new Map<string, Intl.Segmenter>()
function wordSegmenter(locale: string): Intl.Segmenter {
  let s = wordSegmenters.get(locale)
  if (!s) {
    s = new Intl.Segmenter(locale, { granularity: 'word' })
    wordSegmenters.set(locale, s)
  }
  return s
}

/** Function words that carry no meaning for retrieval in Chinese questions and passages. */
const CJK_STOP = new Set(
  '的 了 是 在 和 与 或 吗 呢 吧 啊 呀 我 你 您 他 她 它 我们 你们 他们 这 那 这个 那个 个 之 其 及 于 被 把 就 都 也 还 很 请 问 一下 怎么 什么 如何 哪些 多少 吗？ 啥 咋 咋办 咋算 为啥 多久 多长 嘛 哦 呗 啦 么 能不能 会不会 可不可以 请问 怎样 怎么样 怎么办'.split(
    ' ',
  ),
)

/** The ICU words of one run of CJK characters, in order, function words included. */
function icuWords(run: string): string[] {
  const locale = /[\u3040-\u30ff]/u.test(run) ? 'ja' : /[\uac00-\ud7af]/u.test(run) ? 'ko' : 'zh'
  const out: string[] = []
  for (const seg of wordSegmenter(locale).segment(run)) if (seg.isWordLike) out.push(seg.segment)
  return out
}

/** The words of one run of CJK characters, in order, function words dropped. */
export function segmentCjkRun(run: string): string[] {
  return icuWords(run).filter((w) => !CJK_STOP.has(w))
}

/** Whether a CJK word is a function word (的, 我们, 怎么): never what a question asks about. */
export function isCjkFunctionWord(word: string): boolean {
  return CJK_STOP.has(word)
}

/** Particles that never start or end a word worth matching: no bigram is made across them. */
const PARTICLE = /[的了吗呢吧啊呀么]/u

/**
 * The index terms of a run of CJK characters: every overlapping character bigram, every
 * character, and the longer words ICU finds. ICU's dictionary splits many two-character policy
 * words into single characters (病假 → 病 假), and a question's words then never meet the
 * document's; bigrams match whatever the segmenter did, a word of three or more characters
 * (劳动合同) still counts as a whole, and characters let a question's word the documents write
 * otherwise (年假 for 年休假) fall back on its characters. Particles and function words are not
 * indexed as characters.
 */
export function cjkIndexTerms(run: string): string[] {
  const chars = [...run]
  const out: string[] = []
  for (const c of chars) if (!PARTICLE.test(c) && !CJK_STOP.has(c)) out.push(c)
  for (let i = 0; i + 1 < chars.length; i++) {
    const a = chars[i] as string
    const b = chars[i + 1] as string
    if (!PARTICLE.test(a) && !PARTICLE.test(b)) out.push(a + b)
  }
  for (const w of segmentCjkRun(run)) if ([...w].length >= 3) out.push(w)
  return out
}

/**
 * The query terms of a run of CJK characters: the index's terms of it (so ranking sees what the
 * index saw), each marked by what it is worth as evidence of what the question asks: a bigram
 * inside one of its meaningful words (not `skip`ped) or a long word is asked about; a single
 * character, or a bigram across two words, is `auxiliary`: it ranks, it does not decide.
 */
export function cjkQueryTerms(
  run: string,
  skip: (word: string) => boolean,
): { term: string; auxiliary: boolean }[] {
  const inside = new Set<string>()
  for (const w of icuWords(run)) {
    if (CJK_STOP.has(w) || skip(w)) continue
    const chars = [...w]
    if (chars.length === 1) inside.add(w)
    for (let i = 0; i + 1 < chars.length; i++) inside.add((chars[i] as string) + (chars[i + 1] as string))
    if (chars.length >= 3) inside.add(w)
  }
  return cjkIndexTerms(run).map((term) => ({ term, auxiliary: !inside.has(term) }))
}

/**
 * Text for the full-text index: every CJK run replaced by its space-separated terms, everything
 * else unchanged (Postgres's parser and stemmer handle it).
 */
export function segmentForSearch(text: string): string {
  return text.replace(CJK_RUN, (run) => ` ${cjkIndexTerms(run).join(' ')} `)
}

const sentenceSegmenters = new Map<string, Intl.Segmenter>()

/**
 * Sentences of a paragraph, whitespace kept inside each. ICU's rules end sentences on `.!?` and
 * on `。！？`; we also never end one after a common abbreviation ("e.g.", "Dr.", "No.").
 */
export function splitSentences(text: string, language = 'en'): string[] {
  let s = sentenceSegmenters.get(language)
  if (!s) {
    s = new Intl.Segmenter(language === 'und' ? 'en' : language, { granularity: 'sentence' })
    sentenceSegmenters.set(language, s)
  }
  const out: string[] = []
  for (const seg of s.segment(text)) {
    const piece = seg.segment
    const prev = out.at(-1)
    if (prev !== undefined && ABBREVIATION_END.test(prev)) out[out.length - 1] = prev + piece
    else out.push(piece)
  }
  return out.map((x) => x.trim()).filter((x) => x.length > 0)
}

const ABBREVIATION_END = /\b(e\.g|i\.e|etc|vs|approx|incl|No|Dr|Mr|Mrs|Ms|Inc|Ltd|Co|Art|Sec|p|pp|cf)\.\s*$/i
