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
  '的 了 是 在 和 与 或 吗 呢 吧 啊 呀 我 你 您 他 她 它 我们 你们 他们 这 那 这个 那个 个 之 其 及 于 被 把 就 都 也 还 很 请 问 一下 怎么 什么 如何 哪些 多少 吗？'.split(
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

/** Particles that never start or end a word worth matching: no bigram is made across them. */
const PARTICLE = /[的了吗呢吧啊呀么]/u

/**
 * The index terms of a run of CJK characters: every overlapping character bigram, plus the
 * longer words ICU finds. ICU's dictionary splits many two-character policy words into single
 * characters (病假 → 病 假), and a question's words then never meet the document's; bigrams
 * match whatever the segmenter did, and a word of three or more characters (劳动合同) still
 * counts as a whole. A one-character run is its own term.
 */
export function cjkIndexTerms(run: string): string[] {
  const chars = [...run]
  if (chars.length === 1) return CJK_STOP.has(run) ? [] : [run]
  const out: string[] = []
  for (let i = 0; i + 1 < chars.length; i++) {
    const a = chars[i] as string
    const b = chars[i + 1] as string
    if (!PARTICLE.test(a) && !PARTICLE.test(b)) out.push(a + b)
  }
  for (const w of segmentCjkRun(run)) if ([...w].length >= 3) out.push(w)
  return out
}

/**
 * The query terms of a run of CJK characters: the words that carry meaning (not `skip`ped) form
 * spans; each span gives its bigrams (those made across an ICU word boundary marked `joint`,
 * since a segmentation artefact is weaker evidence) and its words of three or more characters.
 */
export function cjkQueryTerms(run: string, skip: (word: string) => boolean): { term: string; joint: boolean }[] {
  const out: { term: string; joint: boolean }[] = []
  let span: string[] = []
  const flush = () => {
    const text = span.join('')
    const chars = [...text]
    if (chars.length === 1) out.push({ term: text, joint: false })
    let boundary = 0
    const ends = new Set<number>()
    for (const w of span) ends.add((boundary += [...w].length))
    for (let i = 0; i + 1 < chars.length; i++) {
      if (PARTICLE.test(chars[i] as string) || PARTICLE.test(chars[i + 1] as string)) continue
      out.push({ term: (chars[i] as string) + (chars[i + 1] as string), joint: ends.has(i + 1) })
    }
    for (const w of span) if ([...w].length >= 3) out.push({ term: w, joint: false })
    span = []
  }
  for (const w of icuWords(run)) {
    if (CJK_STOP.has(w) || skip(w)) flush()
    else span.push(w)
  }
  flush()
  return out
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
