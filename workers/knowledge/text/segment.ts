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

/** The words of one run of CJK characters, in order, function words dropped. */
export function segmentCjkRun(run: string): string[] {
  const locale = /[\u3040-\u30ff]/u.test(run) ? 'ja' : /[\uac00-\ud7af]/u.test(run) ? 'ko' : 'zh'
  const out: string[] = []
  for (const seg of wordSegmenter(locale).segment(run)) {
    if (seg.isWordLike && !CJK_STOP.has(seg.segment)) out.push(seg.segment)
  }
  return out
}

/**
 * Text for the full-text index: every CJK run replaced by its space-separated words, everything
 * else unchanged (Postgres's parser and stemmer handle it).
 */
export function segmentForSearch(text: string): string {
  return text.replace(CJK_RUN, (run) => ` ${segmentCjkRun(run).join(' ')} `)
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
