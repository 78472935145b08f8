import { analyze } from './analyze'

/**
 * What kind of answer a question asks for, from its wording alone, and whether a text offers one.
 * Used to rank quotable sentences and to judge whether a passage can answer at all: a question
 * asking "how many days" is not answered by a passage without a number in it.
 */

const ASKS_FOR_A_NUMBER =
  /\b(how (many|much|long|often|soon|far|old|early|late)|what(?: is|'s| are)? the (maximum|minimum|max|min|limit|rate|amount|cap|budget|deadline|percentage|number|cost|price|allowance)|by when|what percentage|how big)\b|多少|几|多久|多长|多大|多高|百分之几|多远/i

/** Whether the question asks for a number, an amount, a duration or a date. */
export function asksForNumber(question: string): boolean {
  return ASKS_FOR_A_NUMBER.test(question)
}

const NUMBER_IN_TEXT =
  /\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|hundred|thousand|half|twice|double|once|annually|monthly|weekly|daily|yearly|quarterly|unlimited)\b|[一二两三四五六七八九十百千万半]/i

/** Whether a text states a number (in digits or words, English or Chinese) or a frequency. */
export function statesNumber(text: string): boolean {
  return NUMBER_IN_TEXT.test(text)
}

const NUMBER_WORD =
  /^(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|ninety|hundred|half)$/
const CJK_NUMBER_UNIT = /(?:[0-9]+|[一二三四五六七八九十百千两半]+)个?([\u4e00-\u9fff])/gu

/**
 * A counter of how often a passage states a number of something the question asks about: "20
 * days" for "how many vacation days", "30 days of notice" for "how much notice", 十五天 for 几天. A
 * passage that answers "how many" usually says so more than once (a table, a rule and its
 * exceptions). The question is analysed once, the passages as they come.
 */
export function numberMentionCounter(question: string): (text: string) => number {
  const asked = new Set(
    analyze(question)
      .filter((t) => !t.cjk && !/^\d/.test(t.stem))
      .map((t) => t.stem),
  )
  return (text) => countMentions(text, question, asked)
}

function countMentions(text: string, question: string, asked: Set<string>): number {
  let n = 0
  const tokens = analyze(text)
    .filter((t) => !t.cjk)
    .map((t) => t.stem)
  tokens.forEach((tok, i) => {
    if (!/^\d/.test(tok) && !NUMBER_WORD.test(tok)) return
    if (asked.has(tokens[i + 1] ?? '') || asked.has(tokens[i + 2] ?? '')) n++
  })
  for (const m of text.matchAll(CJK_NUMBER_UNIT)) if (m[1] && question.includes(m[1])) n++
  return n
}
