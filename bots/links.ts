/**
 * Links that came from documents (a front matter `url`, a canonical link, a wiki's page address)
 * are written by whoever wrote the document. This module is the one place that decides whether
 * such a link may be shown as a link; each sink then writes the allowed href its own way
 * (`slackHref`, `markdownLink`, an escaped HTML attribute). Platform-neutral, so the core may use
 * it too.
 */
const SCHEMES = new Set(['http:', 'https:', 'mailto:'])

/** Longer than any handbook or wiki address; a longer one is not shown as a link. */
const MAX_LENGTH = 2048

/**
 * The normalized href (`URL.href`) of a link that may be shown, or `undefined` (then the citation
 * is shown as plain text). Only absolute `http:`, `https:` and `mailto:` links pass: no other
 * scheme (`javascript:`, `data:`, `vbscript:`, `file:`), no credentials in the URL (a
 * `https://trusted.example@evil.example` disguise), nothing unparseable or relative. Whitespace,
 * control and format characters are refused rather than stripped: the URL parser drops tabs and
 * newlines (so `java\tscript:` would parse as `javascript:`), and bidi overrides disguise a link.
 */
export function safeLink(url: string | null | undefined): string | undefined {
  if (typeof url !== 'string' || url === '' || url.length > MAX_LENGTH) return undefined
  if (/[\s\p{Cc}\p{Cf}]/u.test(url)) return undefined
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  if (!SCHEMES.has(parsed.protocol)) return undefined
  if (parsed.username || parsed.password) return undefined
  if (parsed.protocol !== 'mailto:' && !parsed.hostname) return undefined
  return parsed.href
}

/**
 * `href` with every character `chars` matches written as `%XX`: how a sink keeps its own
 * delimiters (Slack's `|` and `>`, Markdown's `)`) out of a link target. `chars` must match
 * ASCII characters only; percent-encoding them leaves an http(s) or mailto target meaning the same.
 */
export function percentEncode(href: string, chars: RegExp): string {
  return href.replace(chars, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
}
