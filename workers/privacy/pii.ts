import { findCards, findCnIds, findIbans, findPassports, findSsns } from './numbers'
import { findPhones } from './phone'
import { respace } from './spacing'
import type { PiiCandidate, PiiDetector, PiiKind, PiiMatch } from './types'

export type { PiiKind, PiiMatch } from './types'

/**
 * Personal data in employee questions and approved answers, English and Chinese: emails, phone
 * numbers, payment cards, IBANs, US SSNs, Chinese resident IDs and cued passport numbers. Pure
 * regexes and checksums, so it runs in the Worker with no dependency.
 */

const EMAIL =
  /(?<![A-Za-z0-9._%+'-])[A-Za-z0-9_%+-][A-Za-z0-9._%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![A-Za-z0-9-])/g
// Links are never redacted piecewise: a phone-shaped path segment is an id, not a phone.
const URL_LIKE = /\b(?:https?:\/\/|www\.)[^\s<>"'，。；）]+/gi

const findEmails: PiiDetector = (text) =>
  [...text.matchAll(EMAIL)].map((m) => ({ kind: 'email', start: m.index, end: m.index + m[0].length }))

// When two detectors claim overlapping text, the one with the stronger evidence wins: a checksum
// beats a cue, and a cue beats a shape.
const DETECTORS: PiiDetector[] = [
  findEmails,
  findIbans,
  findCnIds,
  findCards,
  findSsns,
  findPassports,
  findPhones,
]
const RANK: Record<PiiKind, number> = {
  email: 0,
  iban: 1,
  'cn-id': 2,
  card: 3,
  'us-ssn': 4,
  passport: 5,
  phone: 6,
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) =>
  a.start < b.end && b.start < a.end

/**
 * Every piece of personal data in `text`, sorted by `start`, never overlapping. Offsets are UTF-16
 * code units (JavaScript string indices), so `text.slice(m.start, m.end)` is the matched text.
 */
export function findPii(original: string): PiiMatch[] {
  // Detectors read the text with scanned-form spacing made ordinary; matches map back.
  const { text, at } = respace(original)
  const urls = [...text.matchAll(URL_LIKE)].map((m) => ({ start: m.index, end: m.index + m[0].length }))
  const candidates = DETECTORS.flatMap((detect) => detect(text))
    .filter((c) => c.kind === 'email' || !urls.some((u) => overlaps(u, c)))
    .sort((a, b) => RANK[a.kind] - RANK[b.kind] || b.end - b.start - (a.end - a.start) || a.start - b.start)
  const kept: PiiCandidate[] = []
  for (const c of candidates) if (!kept.some((k) => overlaps(k, c))) kept.push(c)
  return kept
    .sort((a, b) => a.start - b.start)
    .map((m) =>
      at.length ? { kind: m.kind, start: at[m.start] as number, end: (at[m.end - 1] as number) + 1 } : m,
    )
}

/**
 * `text` with each piece of personal data replaced by its kind in brackets ("my [card] was charged
 * twice"), so an admin can still read the question, and how many of each kind were replaced.
 */
export function redactPii(text: string): { text: string; found: Partial<Record<PiiKind, number>> } {
  const found: Partial<Record<PiiKind, number>> = {}
  let out = ''
  let at = 0
  for (const m of findPii(text)) {
    out += `${text.slice(at, m.start)}[${m.kind}]`
    at = m.end
    found[m.kind] = (found[m.kind] ?? 0) + 1
  }
  return { text: out + text.slice(at), found }
}
