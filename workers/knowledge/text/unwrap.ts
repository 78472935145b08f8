import { CJK_CHAR } from './script'

/**
 * Joins hard-wrapped lines into one line: a space between words, nothing between two CJK
 * characters (a line break inside Chinese text is not a word boundary), and a word hyphenated
 * across a line break joined again ("reim-\nbursement").
 */
export function unwrapLines(text: string): string {
  return text
    .replace(/([a-z])-\n\s*([a-z])/g, '$1$2')
    .replace(/[ \t]*\r?\n[ \t]*/g, (m, offset: number, all: string) => {
      const before = all[offset - 1] ?? ''
      const after = all[offset + m.length] ?? ''
      return CJK_CHAR.test(before) && CJK_CHAR.test(after) ? '' : ' '
    })
    .replace(/ {2,}/g, ' ')
    .trim()
}
