import stem from 'wink-porter2-stemmer'
import { CJK_CHAR } from './script'
import { cjkIndexTerms, cjkQueryTerms } from './segment'

/**
 * The Snowball English stop words, the list Postgres's `english` configuration uses, so what we
 * analyse in JavaScript lines up with the full-text index.
 */
export const STOP_WORDS = new Set(
  `i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
it its itself they them their theirs themselves what which who whom this that these those am is are was were be
been being have has had having do does did doing a an the and but if or because as until while of at by for with
about against between into through during before after above below to from up down in out on off over under again
further then once here there when where why how all any both each few more most other some such no nor not only own
same so than too very s t can will just don should now`.split(/\s+/),
)

/**
 * Words that carry no topic in a question ("how many days do I get", "can someone tell me"), on
 * top of the stop words. Used for queries only: the index keeps them.
 */
export const QUESTION_FILLER = new Set(
  `get gets got getting many much would could might may must need needs want wants know tell please thanks thank
hi hello hey anyone someone somebody let us also ok okay something anything way ways sure question wondering
really actually exactly im ive id dont doesnt didnt cant wont isnt arent wasnt whats thats theres youre
pls plz thx vs versus etc tho though btw fyi asap lol quick guys folks hiya quickly
basically currently supposed allowed ask asking wonder 有 几 几天 几号 多少 多少钱 吗 能 能否 可以 需要 是否 怎样 哪里 谁 这边 那边 除了 以外 给 应该
写 看 想 说 要 有没有 是不是 可不可以 要不要 哪个 什么时候 怎么办`.split(/\s+/),
)

/** Informal abbreviations in questions, read as the word they stand for. */
const ABBREVIATIONS: Record<string, string> = {
  yr: 'year',
  yrs: 'years',
  wk: 'week',
  wks: 'weeks',
  hr: 'hour',
  hrs: 'hours',
  mo: 'month',
  mos: 'months',
  mgr: 'manager',
  dept: 'department',
  approx: 'approximately',
  info: 'information',
  w: 'with',
  incl: 'including',
  mgmt: 'management',
  reqs: 'requirements',
  req: 'request',
  govt: 'government',
}

/**
 * Upper-case acronyms that lower-case into stop words: "US" (the country) is not "us", "IT" (the
 * department) is not "it". They are rewritten before anything is lower-cased, for the index
 * (search text) and for questions alike, so both sides agree.
 */
export function normalizeAcronyms(text: string): string {
  return text.replace(/\bU\.S\.(A\.)?(?=\s|$|[,;:)])|\bUSA\b|\bUS\b/g, 'USA').replace(/\bIT\b/g, 'ITdept')
}

/** One analysed token: the surface form (lower case) and the stem used for matching. */
export interface Term {
  surface: string
  stem: string
  cjk: boolean
  /**
   * A CJK character, or a bigram across two of the question's words: it helps ranking, but it is
   * not something the question asks about.
   */
  auxiliary?: boolean
  /** For a CJK term the question asks about: how rare its word is in the general language. */
  rarity?: number
}

const TOKEN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu
/** A hyphenated compound of Latin letters ("wi-fi", "full-time"). */
const COMPOUND = /^[a-z]+(?:-[a-z]+)+$/

/**
 * Content terms of a text in reading order: Latin-script words lower-cased, stop words dropped and
 * stemmed with Porter2 (as Postgres's `english` config does); CJK runs as the index sees them
 * (character bigrams and long words), or for a `query`, as its meaningful spans' bigrams.
 */
export function analyze(text: string, mode: 'index' | 'query' = 'index'): Term[] {
  const out: Term[] = []
  const lower = normalizeAcronyms(text.normalize('NFKC')).toLowerCase()
  for (const m of lower.matchAll(TOKEN)) {
    const tok = m[0]
    // Postgres indexes a hyphenated compound as a whole and as its parts ("wi-fi", "wi", "fi"):
    // so does this, so that a question's "wifi" (corrected to "wi-fi") is found in a passage.
    if (m.index > 0 && lower[m.index - 1] === '-') {
      const start = lower.slice(0, m.index).search(/[a-z]+(?:-[a-z]+)*-$/)
      const compound = start >= 0 ? lower.slice(start, m.index) + tok : ''
      if (COMPOUND.test(compound) && !lower.slice(m.index + tok.length).startsWith('-'))
        out.push({ surface: compound, stem: stem(compound), cjk: false })
    }
    if (CJK_CHAR.test(tok)) {
      // A token can mix scripts ("15天"); split the CJK runs out and segment them.
      for (const piece of tok.split(
        /([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+)/u,
      )) {
        if (!piece) continue
        if (!CJK_CHAR.test(piece)) {
          out.push({ surface: piece, stem: piece, cjk: false })
        } else if (mode === 'query') {
          for (const { term, auxiliary } of cjkQueryTerms(piece, (w) => QUESTION_FILLER.has(w)))
            out.push({ surface: term, stem: term, cjk: true, ...(auxiliary ? { auxiliary } : {}) })
        } else for (const w of cjkIndexTerms(piece)) out.push({ surface: w, stem: w, cjk: true })
      }
      continue
    }
    const [base = '', suffix] = tok.split(/['’]/)
    // Contractions: "I'm", "we've" → the stop word; "don't", "can't" → nothing worth matching.
    if (suffix === 't') continue
    const word =
      ABBREVIATIONS[base] ??
      (suffix !== undefined && /^(s|m|ve|re|ll|d)$/.test(suffix) ? base : tok.replace(/['’]/g, ''))
    if (STOP_WORDS.has(word)) continue
    out.push({ surface: word, stem: /^\d/.test(word) ? word : stem(word), cjk: false })
  }
  return out
}
