import { cnIdValid, ibanValid, luhnValid, ssnValid } from './checksums'
import type { PiiCandidate } from './types'

/**
 * Detectors for the checksummed number kinds (cards, IBANs, US SSNs, Chinese resident IDs) and the
 * cue-led passport numbers. Boundaries are ASCII-only on purpose: Chinese text runs straight into
 * digits ("身份证号11010519491231002X"), so a CJK character must count as a boundary.
 */

const digitsOf = (s: string) => s.replace(/\D/g, '')

// Runs of digit groups joined by single spaces or dashes; a leading `+` makes it a phone number.
const DIGIT_RUN = /(?<![0-9A-Za-z+.,/-])\d+(?:[ -]\d+)*(?![0-9A-Za-z])/g
// A CVV after a card, possibly after the expiry, on the same line or the next ones of a pasted
// form ("exp 12/27 CVC 4321", "，安全码 738", "Expiry: 12/26\nCVC: 737"), not past a blank line.
const CVV_AFTER =
  /^(?:[^\n]|\n(?!\n)){0,32}?(?:CVV2?|CVC2?|CID|CSC|CVN|security code|card code|安全码|校验码|验证码|(?:卡)?背面(?:的)?(?:三|3|四|4)位(?:数字|数|码)?|卡背(?:面)?(?:数字|码)?)\s*(?:is|是|为|:|：|#|=)?\s*(\d{3,4})(?![0-9A-Za-z])/i

/** Whether `groups` (digit strings joined by one separator kind) read as one card number. */
function cardShaped(groups: string[], separators: string[]): boolean {
  const digits = groups.join('')
  // Issuer ranges start 2–6 (Mastercard 2/5, Amex/JCB/Diners 3, Visa 4, Discover/UnionPay 6); a
  // 978… ISBN or a 0086… phone that happens to pass Luhn is not a card.
  if (!/^[2-6]/.test(digits) || digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return false
  if (groups.length === 1) return true
  if (new Set(separators).size !== 1) return false
  // 4-6-4 (Amex, Diners), 4-4-4-4, or fours with a short last group as a 14-digit card is often
  // written (3056 9309 0259 04).
  return (
    groups.every((g) => g.length >= 3 && g.length <= 6) ||
    (groups.slice(0, -1).every((g) => g.length === 4) && groups.length >= 3)
  )
}

/**
 * Payment card numbers: 13–19 digits, optionally grouped, Luhn required. A trailing group of up to
 * four digits (an expiry or CVV typed straight after) may be left off. A CVV named right after the
 * card is its own `card` match.
 */
export function findCards(text: string): PiiCandidate[] {
  const out: PiiCandidate[] = []
  for (const m of text.matchAll(DIGIT_RUN)) {
    const parts = m[0].split(/([ -])/)
    const groups = parts.filter((_, i) => i % 2 === 0)
    const separators = parts.filter((_, i) => i % 2 === 1)
    let take = groups.length
    if (!cardShaped(groups, separators)) {
      take = groups.length - 1
      if (
        groups.length < 2 ||
        groups.at(-1)!.length > 4 ||
        !cardShaped(groups.slice(0, take), separators.slice(0, take - 1))
      )
        continue
    }
    const start = m.index
    const end = start + groups.slice(0, take).join(' ').length
    // The digits of an IBAN after its country and check digits ("AT25 2011 1822 2121 9800", one
    // that failed its own check) are not a card.
    if (/[A-Z]{2}\d{2}[ -]$/.test(text.slice(Math.max(0, start - 5), start))) continue
    out.push({ kind: 'card', start, end })
    const cvv = CVV_AFTER.exec(text.slice(end, end + 48))
    if (cvv) {
      const cvvEnd = end + cvv.index + cvv[0].length
      out.push({ kind: 'card', start: cvvEnd - cvv[1]!.length, end: cvvEnd })
    }
  }
  return out
}

// ISO 13616 IBAN length per country (SWIFT IBAN registry), as "CCnn" pairs.
const IBAN_LENGTHS = new Map(
  (
    'AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 DO28 EE20 EG29 ' +
    'ES24 FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 ' +
    'LB28 LC32 LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29 ' +
    'RO24 RS22 SA24 SC31 SE24 SI19 SK24 SM27 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20'
  )
    .split(' ')
    .map((p) => [p.slice(0, 2), Number(p.slice(2))] as const),
)
const IBAN_START = /(?<![0-9A-Za-z])([A-Za-z]{2})\d{2}(?=[ -]?[A-Za-z0-9])/g

/**
 * IBANs, compact or grouped with single spaces/dashes: a known country code, exactly that
 * country's length, and the mod-97 check. The country's length decides where the IBAN ends, so
 * a following word is never swallowed.
 */
export function findIbans(text: string): PiiCandidate[] {
  const out: PiiCandidate[] = []
  for (const m of text.matchAll(IBAN_START)) {
    const length = IBAN_LENGTHS.get(m[1]!.toUpperCase())
    if (!length) continue
    let compact = m[0].toUpperCase()
    let i = m.index + 4
    while (compact.length < length && i < text.length) {
      const skip = (text[i] === ' ' || text[i] === '-') && /[A-Za-z0-9]/.test(text[i + 1] ?? '') ? 1 : 0
      const ch = text[i + skip]!
      if (!/[A-Za-z0-9]/.test(ch)) break
      compact += ch.toUpperCase()
      i += skip + 1
    }
    if (compact.length !== length || /[A-Za-z0-9]/.test(text[i] ?? '') || !ibanValid(compact)) continue
    out.push({ kind: 'iban', start: m.index, end: i })
  }
  return out
}

const SSN_DASHED = /(?<![0-9A-Za-z-])\d{3}-\d{2}-\d{4}(?![0-9A-Za-z]|-\d)/g
// Spaced or unseparated SSNs read like any other 9 digits, so they need a cue just before them.
const SSN_CUED =
  /(?:\bSSN\b|\bsocial\s+security\b|社安号|社会安全号)(?:[^\n\d]|\n(?!\n)){0,24}?(?<![0-9A-Za-z])(\d{3} \d{2} \d{4}|\d{9})(?![0-9A-Za-z])/gi

/** US social security numbers that follow the SSA's rules: AAA-GG-SSSS anywhere, else after a cue. */
export function findSsns(text: string): PiiCandidate[] {
  const out: PiiCandidate[] = []
  for (const m of text.matchAll(SSN_DASHED)) {
    if (ssnValid(digitsOf(m[0]))) out.push({ kind: 'us-ssn', start: m.index, end: m.index + m[0].length })
  }
  for (const m of text.matchAll(SSN_CUED)) {
    const end = m.index + m[0].length
    if (ssnValid(digitsOf(m[1]!))) out.push({ kind: 'us-ssn', start: end - m[1]!.length, end })
  }
  return out
}

const CN_ID = /(?<![0-9A-Za-z])\d{6} ?\d{8} ?\d{3}[\dXx](?![0-9A-Za-z])/g

/** Chinese resident identity numbers (GB 11643-1999) with a real birth date and a valid check character. */
export function findCnIds(text: string): PiiCandidate[] {
  const out: PiiCandidate[] = []
  for (const m of text.matchAll(CN_ID)) {
    if (cnIdValid(m[0].replace(/ /g, '')))
      out.push({ kind: 'cn-id', start: m.index, end: m.index + m[0].length })
  }
  return out
}

// Passport numbers have no checksum, so only a cue makes one: 1–2 capitals + 6–9 digits (Chinese
// E/G + 8 digits fits), or the 9 plain digits of US and UK passports.
const PASSPORT =
  /(?:[Pp]assport|PASSPORT|[Rr]eisepass|护照)((?:[^\n\d]|\n(?!\n)){0,40}?)(?<![0-9A-Za-z])([A-Z]{1,2}\d{6,9}|\d{9})(?![0-9A-Za-z])/g
// Words between the cue and the number that name it as something else ("护照扫描件报错，错误码
// E1020304", "passport photo rejected, ticket T1234567").
const OTHER_NUMBER =
  /error|code|ticket|case|ref|booking|order|claim|invoice|flight|train|错误码|错误|代码|编号|单号|订单|工单|航班|车次/i

/** Passport numbers written shortly after "passport", "Reisepass" or "护照". */
export function findPassports(text: string): PiiCandidate[] {
  const out: PiiCandidate[] = []
  for (const m of text.matchAll(PASSPORT)) {
    if (OTHER_NUMBER.test(m[1]!)) continue
    const end = m.index + m[0].length
    out.push({ kind: 'passport', start: end - m[2]!.length, end })
  }
  return out
}
