/**
 * Script and language facts about text, without a model: which characters belong to scripts
 * written without spaces, and a cheap language guess from script and stop words.
 */

/** Han, kana, Hangul and CJK punctuation/fullwidth forms: scripts that need segmentation. */
export const CJK_CHAR = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/u
export const CJK_RUN = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+/gu
const KANA = /[\u3040-\u30ff]/gu
const HANGUL = /[\uac00-\ud7af]/gu
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/gu
const LATIN_WORD = /[a-zà-öø-ÿ]+/giu

/** True if the text contains characters from a script written without spaces. */
export function hasCjk(text: string): boolean {
  return CJK_CHAR.test(text)
}

const STOPWORDS: Record<string, readonly string[]> = {
  en: [
    'the',
    'and',
    'of',
    'to',
    'is',
    'in',
    'for',
    'you',
    'are',
    'with',
    'your',
    'on',
    'be',
    'or',
    'a',
    'an',
  ],
  de: ['der', 'die', 'das', 'und', 'ist', 'nicht', 'sie', 'mit', 'für', 'auf', 'ein', 'eine', 'zu', 'den'],
  fr: ['le', 'la', 'les', 'et', 'est', 'des', 'une', 'pour', 'vous', 'dans', 'du', 'que', 'au', 'sur'],
  es: ['el', 'la', 'los', 'las', 'y', 'es', 'para', 'con', 'una', 'por', 'que', 'del', 'en', 'se'],
  nl: ['de', 'het', 'een', 'en', 'van', 'is', 'voor', 'met', 'niet', 'op', 'je', 'zijn', 'te', 'dat'],
  pt: ['o', 'os', 'as', 'e', 'é', 'para', 'com', 'uma', 'por', 'que', 'do', 'da', 'não', 'em'],
}

/**
 * Best-effort ISO 639-1 language of a text: `zh`, `ja`, `ko` from script; `en`, `de`, `fr`, `es`,
 * `nl`, `pt` from stop words; `und` when there is too little to tell.
 */
export function detectLanguage(text: string): string {
  const sample = text.slice(0, 20_000)
  const kana = sample.match(KANA)?.length ?? 0
  const hangul = sample.match(HANGUL)?.length ?? 0
  const han = sample.match(HAN)?.length ?? 0
  const words = sample.match(LATIN_WORD) ?? []
  const cjk = kana + hangul + han
  // A CJK character carries about as much as a short word.
  if (cjk > 0 && cjk >= words.length * 0.5) {
    if (kana > cjk * 0.1) return 'ja'
    if (hangul > cjk * 0.5) return 'ko'
    return 'zh'
  }
  if (words.length < 3) return 'und'
  const counts = new Map<string, number>()
  for (const w of words) counts.set(w.toLowerCase(), (counts.get(w.toLowerCase()) ?? 0) + 1)
  let best = 'und'
  let bestScore = 0
  for (const [lang, list] of Object.entries(STOPWORDS)) {
    const score = list.reduce((s, w) => s + (counts.get(w) ?? 0), 0)
    if (score > bestScore) {
      best = lang
      bestScore = score
    }
  }
  return bestScore >= 2 ? best : 'en'
}
