/**
 * Figures (numbers, amounts, durations, percentages, dates) stated in a text, as values, so that
 * an answer's figures can be checked against its sources however each writes them: "20 days",
 * "twenty days" and "20-day"; "$2,000", "2000 USD" and "2k"; "25%" and 百分之二十五; 十五天 and 15.
 * A figure is a set of readings ("1.500" is 1.5 or, in German, 1500); it is supported when any
 * reading occurs among the evidence's.
 */

/** A figure as the text writes it, and the values it may stand for. */
export interface Figure {
  text: string
  values: number[]
}

const EN_SMALL: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
}
const EN_SCALE: Record<string, number> = { hundred: 100, thousand: 1e3, million: 1e6, billion: 1e9 }

/**
 * Words that only evidence is read for: an answer that says "first" or "second" states no
 * figure, but one that writes "3rd year" or "March 31" is backed by "third year" or "31/03".
 */
const EN_EVIDENCE_ONLY: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  half: 0.5,
  twice: 2,
  double: 2,
  dozen: 12,
  fortnight: 14,
  // Not "may": every handbook says it.
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
}

const MULTIPLIER: Record<string, number> = {
  k: 1e3,
  thousand: 1e3,
  m: 1e6,
  mn: 1e6,
  million: 1e6,
  bn: 1e9,
  billion: 1e9,
  百: 100,
  千: 1e3,
  万: 1e4,
  亿: 1e8,
}

const DIGITS = /(\d+(?:[.,]\d+)*)(?:\s?(k|thousand|mn?|million|bn|billion|百|千|万|亿)(?![a-z]))?/giu
const WORDS = /[a-z]+(?:[\s-]+[a-z]+)*/gi
const CJK_DIGIT: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
}
const CJK_NUMBER = /[零〇一二两三四五六七八九十百千万亿]+/gu

/**
 * Chinese words made of numerals that are no figure in a claim (十分 "very", 千万 "by all
 * means", 万一 "in case", 一律 "without exception"…), blanked before numerals are read.
 */
const CJK_NOT_A_FIGURE =
  /十分(?!钟)|(?<![\d零〇一二两三四五六七八九十百])千万(?![元人])|万一|一律|一般|一些|一起|一致|统一|唯一|一旦|一定|一切|进一步|一直|一样|一方面|之一|一下|一同|一并|逐一|第一/gu

/**
 * The figures a text states. `evidence` reads more generously (ordinal and month words, "half",
 * a lone "one" or 一): what the sources or the question say may back a claim in any form, while a
 * claim's "first" or "one of" is no figure to check.
 */
export function figuresIn(text: string, mode: 'claim' | 'evidence'): Figure[] {
  let t = text.normalize('NFKC')
  if (mode === 'claim') {
    // Citation markers and list numbering are the answer's own structure, not claims.
    t = t.replace(/\[\d+(?:\s*[,،、]\s*\d+)*\]/g, ' ').replace(/^\s*\d+[.)]\s+/gm, ' ')
    t = t.replace(CJK_NOT_A_FIGURE, ' ')
  }
  // 百分之二十五 is 25 (%): the 百 of the prefix is no hundred.
  t = t.replace(/[百千]分之/gu, ' ')
  const out: Figure[] = []
  for (const m of t.matchAll(DIGITS)) {
    const values = digitReadings(m[1] as string)
    const mult = m[2] ? MULTIPLIER[m[2].toLowerCase()] : undefined
    if (mult) for (const v of [...values]) values.push(v * mult)
    out.push({ text: m[0], values })
  }
  for (const m of t.matchAll(WORDS)) out.push(...wordFigures(m[0], mode))
  for (const m of t.matchAll(CJK_NUMBER)) {
    const s = m[0]
    if (mode === 'claim' && s === '一') continue
    const v = cjkValue(s)
    if (v !== undefined) out.push({ text: s, values: [v] })
  }
  if (mode === 'evidence' && /半/u.test(t)) out.push({ text: '半', values: [0.5] })
  return out.filter((f) => f.values.some((v) => v !== 0))
}

/**
 * The figures of `answer` that none of `evidence` states in any form (each once, as written).
 * Zero is never a claim worth checking ("0 days" is "no days").
 */
export function unsupportedFigures(answer: string, evidence: readonly string[]): string[] {
  const known = new Set<number>()
  for (const e of evidence)
    for (const f of figuresIn(e, 'evidence')) for (const v of f.values) known.add(key(v))
  const missing = new Set<string>()
  for (const f of figuresIn(answer, 'claim'))
    if (!f.values.some((v) => v === 0 || known.has(key(v)))) missing.add(f.text.trim())
  return [...missing]
}

function key(v: number): number {
  return Math.round(v * 1000) / 1000
}

/** "2,000" is 2000; "1.500" is 1.5 or 1500; "2,5" is 25 or 2.5. */
function digitReadings(s: string): number[] {
  const out = [Number.parseFloat(s.replace(/,/g, ''))]
  if (/^\d{1,3}(\.\d{3})+$/.test(s)) out.push(Number.parseFloat(s.replace(/\./g, '')))
  if (/^\d+,\d{1,2}$/.test(s)) out.push(Number.parseFloat(s.replace(',', '.')))
  return out.filter((v) => Number.isFinite(v))
}

/** Runs of English number words ("twenty-five", "two hundred and fifty", "a thousand"). */
function wordFigures(run: string, mode: 'claim' | 'evidence'): Figure[] {
  const out: Figure[] = []
  const words = run.toLowerCase().split(/[\s-]+/)
  let total = 0
  let current = 0
  let spelled: string[] = []
  const flush = () => {
    const lone = spelled.length === 1 && spelled[0] === 'one'
    if (spelled.length && !(mode === 'claim' && lone))
      out.push({ text: spelled.join(' '), values: [total + current] })
    total = 0
    current = 0
    spelled = []
  }
  words.forEach((w, i) => {
    const small = EN_SMALL[w]
    const scale = EN_SCALE[w]
    if (small !== undefined) {
      current += small
      spelled.push(w)
    } else if (scale !== undefined && (spelled.length || words[i - 1] === 'a')) {
      if (scale === 100) current = (current || 1) * 100
      else {
        total += (current || 1) * scale
        current = 0
      }
      spelled.push(w)
    } else if (
      w === 'and' &&
      EN_SCALE[spelled.at(-1) ?? ''] !== undefined &&
      EN_SMALL[words[i + 1] ?? ''] !== undefined
    ) {
      // "two hundred and fifty" is one figure; "two and three" are two.
    } else {
      flush()
      const only = EN_EVIDENCE_ONLY[w]
      if (mode === 'evidence' && only !== undefined) out.push({ text: w, values: [only] })
    }
  })
  flush()
  return out
}

/** 十五 → 15, 二十五 → 25, 一万五千 → 15000, 二〇二六 → 2026. */
function cjkValue(s: string): number | undefined {
  if (!/[十百千万亿]/u.test(s)) {
    const digits = [...s].map((c) => CJK_DIGIT[c])
    return digits.every((d) => d !== undefined) ? Number(digits.join('')) : undefined
  }
  let total = 0
  let section = 0
  let digit = 0
  for (const c of s) {
    const d = CJK_DIGIT[c]
    if (d !== undefined) digit = d
    else if (c === '十' || c === '百' || c === '千') {
      section += (digit || 1) * { 十: 10, 百: 100, 千: 1000 }[c]
      digit = 0
    } else {
      // 一万五千 is 10000 + 5000; 一亿五千万 is 1e8 + 5000 × 1e4. A lone 万 (after digits, as
      // in 2万) is 0 here: the digits' reading carries it.
      if (c === '万') total += (section + digit) * 1e4
      else total = (total + section + digit) * 1e8
      section = 0
      digit = 0
    }
  }
  return total + section + digit
}
