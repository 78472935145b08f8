import { redactPii } from '../privacy/pii'

/**
 * What every question passes at the door, whichever platform it came from: personal data is
 * redacted, characters no question needs are removed (Postgres refuses NUL outright, so one made
 * the question fail on every retry), and the text kept is capped, so a pasted megabyte costs
 * nothing downstream. A question over the cap is answered with a polite refusal
 * (workers/pipeline/answer-question.ts), not silently cut.
 */
export const MAX_QUESTION_CHARS = 4000

// C0 and C1 controls but tab and newlines; zero-width space and BOM; bidirectional overrides and
// isolates, which can make text read differently from what it says.
const UNWANTED =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2066-\u2069\uFEFF]/g
// A UTF-16 surrogate without its pair is not a character; Postgres would refuse its encoding.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * The text as stored: clean, personal data replaced by placeholders (`[email]`, `[card]`, …;
 * workers/privacy/pii.ts), and at most one character over the cap (so "too long" is still known).
 * Everything downstream (answering, the admins' escalation, approved answers, exports, the
 * console, logs) only ever sees this text; the asker's own message stays on their platform.
 */
export function cleanQuestionText(text: string): string {
  // Redaction reads at most twice the cap: what lies beyond is never stored.
  const clean = redactPii(
    text
      .slice(0, 2 * MAX_QUESTION_CHARS)
      .replace(LONE_SURROGATE, '\uFFFD')
      .replace(UNWANTED, ''),
  ).text
  if (clean.length <= MAX_QUESTION_CHARS) return clean
  // Cut between characters, not inside a surrogate pair.
  let end = MAX_QUESTION_CHARS + 1
  if (/[\uD800-\uDBFF]/.test(clean.charAt(end - 1))) end--
  return clean.slice(0, end)
}

/** Whether a stored question is over the cap. */
export const isTooLong = (text: string) => text.length > MAX_QUESTION_CHARS
