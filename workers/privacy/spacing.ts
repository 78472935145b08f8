/**
 * Text as the detectors read it: the spacing of scanned and OCR'd forms made ordinary ("412  58
 * 7730" → "412 58 7730", "( 617 ) 555-0192" → "(617) 555-0192", "025 - 8476 3312" → "025-8476
 * 3312"), with a map from each position of the result back to the original text, so matches are
 * reported (and redacted) where they are in what the person wrote.
 */
export interface Respaced {
  text: string
  /**
   * `at[i]` is the original offset of `text[i]`; `at[text.length]` is the original length. Empty
   * when nothing changed (offsets are the original's).
   */
  at: number[]
}

/** Spaces that are respaced; a tab (a spreadsheet's cell break) is not one: it stays a tab. */
const SPACE = /[ \u00a0\u3000]/
/** Whether anything needs respacing: most text does not, and is returned as it is. */
const NEEDS = /[ \u00a0\u3000]{2}|[\u00a0\u3000]|\( \d|\d \)|\d -|- \d/

export function respace(original: string): Respaced {
  if (!NEEDS.test(original)) return { text: original, at: [] }
  let text = ''
  const at: number[] = []
  const push = (ch: string, i: number) => {
    text += ch
    at.push(i)
  }
  const n = original.length
  for (let i = 0; i < n; i++) {
    const ch = original[i] as string
    if (!SPACE.test(ch)) {
      push(ch, i)
      continue
    }
    let j = i
    while (j + 1 < n && SPACE.test(original[j + 1] as string)) j++
    const before = text.at(-1) ?? ''
    const after = original[j + 1] ?? ''
    // Spaces inside brackets or around a dash between digits go; any other run becomes one space.
    const drop =
      (before === '(' && /\d/.test(after)) ||
      (/\d/.test(before) && after === ')') ||
      (before === '-' && /\d/.test(after) && /\d/.test(text.at(-2) ?? '')) ||
      (/\d/.test(before) && after === '-' && /^\s*\d/.test(original.slice(j + 2, j + 5)))
    if (!drop) push(' ', i)
    i = j
  }
  at.push(n)
  return { text, at }
}
