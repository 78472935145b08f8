import type { PiiCandidate } from './types'

/**
 * Phone numbers, in the formats employees actually type: international (+CC …), North American
 * ((212) 555-0187, 415-555-0123, 617.555.0144, 415 555 0132), national numbers with a trunk 0
 * (UK 020 7946 0123, French 01 42 68 53 00, German 030 12345678 or 089/1234567, Chinese landlines 010-12345678 and (021) 6888 1234) and
 * Chinese mobiles (138 1234 5678, optionally +86). Phones carry no checksum, so the guard against
 * amounts, dates, versions and ids is shape: a separator inside, no `$ ¥ . , / #` or letter
 * before, no letter or `.5`/`/24` after, and a digit count that fits a phone plan.
 */

const BEFORE = '(?<![0-9A-Za-z+.,/$¥€£#_-])'
const AFTER = String.raw`(?![0-9A-Za-z_]|[.,/-]\d)`

type Shape = { pattern: RegExp; min: number; max: number; group?: number }

const SHAPES: Shape[] = [
  // +CC then groups of digits, "(0)" allowed: +44 (0)20 7946 0321, +49-40-123456-78 (a comma
  // before it is a CSV cell break).
  {
    pattern: new RegExp(
      `${BEFORE.replace(',', '')}\\+\\d{1,3}(?:[ .-]?(?:\\(\\d{1,4}\\)|\\d{1,12}))+${AFTER}`,
      'g',
    ),
    min: 8,
    max: 15,
  },
  // 00CC with its groups separated (0049 89 1234567): unseparated, "00123456" is an id.
  {
    pattern: new RegExp(`${BEFORE}00[1-9]\\d{0,2}(?:[ .-](?:\\(\\d{1,4}\\)|\\d{1,12}))+${AFTER}`, 'g'),
    min: 8,
    max: 15,
  },
  // North American Numbering Plan, with an optional leading 1.
  {
    pattern: new RegExp(
      `${BEFORE}(?:(?:1[ .-]?)?\\([2-9]\\d{2}\\) ?[2-9]\\d{2}[ .-]\\d{4}|(?:1([ .-]))?[2-9]\\d{2}([ .-])[2-9]\\d{2}\\2\\d{4})${AFTER}`,
      'g',
    ),
    min: 10,
    max: 11,
  },
  // A trunk 0 and area code, separated from the subscriber number (or in brackets).
  {
    pattern: new RegExp(
      `${BEFORE}(?:[(（]0[1-9]\\d{0,3}[)）] ?|0[1-9]\\d{0,3}[ /-])\\d{2,8}(?:[ -]\\d{2,6}){0,2}${AFTER}`,
      'g',
    ),
    min: 9,
    max: 12,
  },
  // French national numbers in pairs: 01 42 68 53 00, 06.12.34.56.78 (one separator throughout).
  { pattern: new RegExp(`${BEFORE}0[1-9]([ .-])\\d{2}(?:\\1\\d{2}){3}${AFTER}`, 'g'), min: 10, max: 10 },
  // Mobiles written without a separator: UK 07xxx xxxxxx, German 015x/016x/017x.
  { pattern: new RegExp(`${BEFORE}(?:07\\d{9}|01[5-7]\\d{8,9})${AFTER}`, 'g'), min: 11, max: 12 },
  // A local number with no area code, only right after a word that says it is a phone:
  // "phone: 555-0148", "电话：87654321" (group 1 is the number).
  {
    pattern: new RegExp(
      `(?:\\b(?:phone|tel|telephone|mobile|cell|call me (?:on|at))\\b|电话|手机|座机|联系电话)\\s*(?:number|no\\.?|号码?)?\\s*(?:is|是|为)?\\s*[:：]?\\s*(?<![0-9A-Za-z])(\\d{3}[-. ]\\d{4}|\\d{4}[-. ]?\\d{4}|\\d{7})${AFTER}`,
      'gi',
    ),
    min: 7,
    max: 8,
    group: 1,
  },
  // Chinese mobiles 1[3-9]x xxxx xxxx, consistent separators, optional +86 / 0086.
  {
    // A comma before it is a CSV cell break: eleven digits are never a thousands group.
    pattern: new RegExp(
      `${BEFORE.replace(',', '')}(?:(?:\\+|00)?86[ -]?)?1[3-9]\\d([ -]?)\\d{4}\\1\\d{4}${AFTER}`,
      'g',
    ),
    min: 11,
    max: 15,
  },
]

/**
 * What a phone-shaped number is when the words before it name another kind of number: a meeting
 * id, an order, a ticket, an account, a staff number ("Zoom meeting ID 847 555 0123").
 */
const OTHER_NUMBER_BEFORE =
  /(?:\b(?:meeting|webinar|zoom|conference|order|ticket|invoice|case|reference|ref|account|acct|employee|staff|badge|policy|claim|booking|tracking|carrier)\.?\s*(?:id|number|no\.?|ref\.?|#)?|\b(?:access|pass|participant|dial-in|conference)\s*code|\bpasscode|\bPIN|\bID|\b(?:version|release|build|firmware|serial)(?:\s*(?:number|no\.?))?)\s*(?:is|was)?\s*[:：#]?\s*$|(?:会议号|会议ID|会议 ID|订单号?|工号|编号|单号|账号|保单号)\s*(?:是|为)?\s*[:：]?\s*$/i

/** Every phone-shaped span in `text`; overlaps between shapes are left to the caller. */
export function findPhones(text: string): PiiCandidate[] {
  const out: PiiCandidate[] = []
  for (const { pattern, min, max, group } of SHAPES) {
    for (const m of text.matchAll(pattern)) {
      const number = group ? (m[group] ?? '') : m[0]
      const start = m.index + m[0].length - number.length
      const digits = number.replace(/\D/g, '').length
      if (digits < min || digits > max) continue
      if (!group && OTHER_NUMBER_BEFORE.test(text.slice(Math.max(0, start - 32), start))) continue
      // The tail of a longer run of digit groups (a mistyped card, an IBAN one digit short) is
      // not a phone of its own.
      if (!group && /\d[ -]$/.test(text.slice(Math.max(0, start - 2), start))) continue
      // Nor the head of one ("612 498 3305 7").
      if (!group && /^[ -]\d/.test(text.slice(start + number.length, start + number.length + 2))) continue
      // Nor the tail of an IBAN written in groups, even a template ("NLkk BBBB 0123 4567 89").
      if (
        !group &&
        /\b[A-Z]{2}[0-9a-z]{2}(?: [A-Z0-9]{4})+ $/.test(text.slice(Math.max(0, start - 40), start))
      )
        continue
      out.push({ kind: 'phone', start, end: start + number.length })
    }
  }
  return out
}
