import domino from '@mixmark-io/domino'
import TurndownService from 'turndown'
import { strikethrough, taskListItems } from 'turndown-plugin-gfm'

/** The few DOM members the table rule reads (turndown hands us domino nodes). */
interface DomLike {
  querySelectorAll(selector: string): ArrayLike<DomLike>
  textContent: string | null
}

let service: TurndownService | undefined

/**
 * HTML (a page, a fragment inside Markdown, or mammoth's rendering of a DOCX) to Markdown.
 * Tables become Markdown tables row by row whatever their markup (turndown's GFM rule keeps
 * header-less tables as raw HTML); page chrome and scripts are dropped.
 */
export function htmlToMarkdown(html: string): string {
  if (!service) {
    service = new TurndownService({ headingStyle: 'atx', bulletListMarker: '-', codeBlockStyle: 'fenced' })
    service.use([strikethrough, taskListItems])
    service.remove([
      'script',
      'style',
      'noscript',
      'template',
      'iframe',
      'svg',
      'nav',
      'form',
      'button',
      'head',
    ])
    service.addRule('tables', {
      filter: ['table'],
      replacement: (_content, node) => `\n\n${tableToMarkdown(node as unknown as DomLike)}\n\n`,
    })
  }
  // Parsed here, not by turndown: bundled for Workers, turndown takes its browser build, which
  // needs a global `document` that workerd does not have ("document is not defined"). domino is the
  // same pure-JS DOM turndown uses under Node, so Node and the Worker convert identically.
  // The same wrapper turndown itself parses a string in.
  const doc = domino.createDocument(`<x-turndown id="turndown-root">${html}</x-turndown>`)
  return service.turndown(doc.getElementById('turndown-root') as unknown as TurndownService.Node)
}

function tableToMarkdown(table: DomLike): string {
  const rows: string[][] = []
  for (const tr of Array.from(table.querySelectorAll('tr'))) {
    const cells = Array.from(tr.querySelectorAll('th, td')).map((c) =>
      (c.textContent ?? '').replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|'),
    )
    if (cells.some((c) => c.length > 0)) rows.push(cells)
  }
  if (rows.length === 0) return ''
  const width = Math.max(...rows.map((r) => r.length))
  const line = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] ?? '').join(' | ')} |`
  const [head, ...body] = rows
  return [line(head ?? []), line(Array(width).fill('---')), ...body.map(line)].join('\n')
}
