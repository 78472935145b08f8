/** The kinds of personal data that `findPii` recognises; each is also its redaction placeholder. */
export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'us-ssn' | 'cn-id' | 'passport'

/** One piece of personal data: `text.slice(start, end)`, in UTF-16 code units. */
export type PiiMatch = { kind: PiiKind; start: number; end: number }

/** A detector's proposal, before overlaps between detectors are resolved. */
export type PiiCandidate = PiiMatch

/** Finds every candidate of one or more kinds in `text`; candidates may overlap each other. */
export type PiiDetector = (text: string) => PiiCandidate[]
