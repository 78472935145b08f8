/**
 * Markdown tables as lines every chat platform shows: Slack's mrkdwn, Teams' TextBlock Markdown and
 * DingTalk's Markdown have no tables, and raw `| a | b |` rows are hard to read. Each data row
 * becomes `• Header: value · Header: value` (a quote's `> ` kept); a table's separator row is
 * dropped; a lone header row becomes its cells joined by ` · `. Text outside tables is unchanged.
 */
export function flattenTables(text: string): string {
  const lines = text.split('\n')
  const out: string[] = []
  let header: string[] | undefined
  let headerQuote = ''
  let rowsSinceHeader = 0
  const flushLoneHeader = () => {
    if (header && rowsSinceHeader === 0) out.push(`${headerQuote}${header.join(' · ')}`)
    header = undefined
  }
  for (const line of lines) {
    const m = /^(>\s?)?\s*\|(.*)\|\s*(\[\d+\])?\s*$/.exec(line)
    if (!m) {
      flushLoneHeader()
      out.push(line)
      continue
    }
    const quote = m[1] ?? ''
    const cite = m[3] ? ` ${m[3]}` : ''
    const cells = (m[2] ?? '').split('|').map((c) => c.trim())
    if (cells.every((c) => /^:?-{2,}:?$/.test(c))) continue // the separator row
    if (!header || cells.join('|') === header.join('|')) {
      if (!header) {
        header = cells
        headerQuote = quote
        rowsSinceHeader = 0
      }
      continue
    }
    rowsSinceHeader++
    const h = header
    const pairs = cells
      .map((c, i) => (h[i] ? `${h[i]}: ${c}` : c))
      .filter((p) => p.replace(/:\s*$/, '').trim())
    out.push(`${quote}• ${pairs.join(' · ')}${cite}`)
  }
  flushLoneHeader()
  return out.join('\n')
}
