import { describe, expect, it } from 'vitest'
import { parseHtml } from './html'

describe('parseHtml', () => {
  const page = `<!doctype html><html lang="de"><head><title>Reisekosten | Intranet</title>
    <link rel="canonical" href="https://intranet.example/policies/travel">
    <meta property="article:modified_time" content="2026-02-01T10:00:00Z">
    <script>track()</script></head>
    <body><nav><a href="/">Home</a> Menu</nav><header>Intranet header</header>
    <main><h1>Reisekosten</h1><p>Belege sind <em>innerhalb von 30 Tagen</em> einzureichen.</p>
    <h2>Sätze</h2><table><tr><th>Stadt</th><th>Tagegeld</th></tr><tr><td>Berlin</td><td>28 €</td></tr></table>
    <ul><li>Bahn 2. Klasse</li><li>Flug nur über 4 Stunden</li></ul></main>
    <footer>© Intranet</footer></body></html>`
  const doc = parseHtml(page, 'travel')

  it('takes the main content only, without navigation, header, footer or scripts', () => {
    const text = JSON.stringify(doc.blocks)
    expect(text).toContain('Belege sind innerhalb von 30 Tagen einzureichen.')
    expect(text).not.toMatch(/Menu|Intranet header|track\(\)|©/)
  })

  it('reads title, canonical URL, modification date and language from the head', () => {
    expect(doc.title).toBe('Reisekosten | Intranet')
    expect(doc.url).toBe('https://intranet.example/policies/travel')
    expect(doc.updatedAt?.toISOString()).toBe('2026-02-01T10:00:00.000Z')
    expect(doc.language).toBe('de')
  })

  it('keeps headings, tables and lists as structure', () => {
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 2, text: 'Sätze' })
    expect(doc.blocks).toContainEqual({
      kind: 'table',
      header: '| Stadt | Tagegeld |',
      rows: ['| Berlin | 28 € |'],
    })
    expect(doc.blocks).toContainEqual({
      kind: 'list',
      items: ['- Bahn 2. Klasse', '- Flug nur über 4 Stunden'],
    })
  })

  it('keeps no canonical link that may not be shown as a link', () => {
    const d = parseHtml(
      '<html><head><link rel="canonical" href="javascript:alert(1)"></head><body><p>Text.</p></body></html>',
      'x',
    )
    expect(d.url).toBeUndefined()
  })
})
