/**
 * Confluence storage format (XHTML with `ac:` macros and `ri:` resource identifiers) to plain HTML
 * that `htmlToMarkdown` understands. Pure string work with a small tokenizer, no DOM: it runs in
 * the Worker, where there is no `DOMParser`. Macros nest (a code block inside an info panel inside
 * an expand), so this builds a tree rather than rewriting with regular expressions.
 */

interface XmlElement {
  kind: 'element'
  name: string
  attrs: Record<string, string>
  children: XmlNode[]
}

/** `raw` text is still escaped (storage is XHTML); CDATA `text` is not. */
type XmlNode = XmlElement | { kind: 'text'; raw: string } | { kind: 'cdata'; text: string }

const VOID = new Set(['area', 'br', 'col', 'embed', 'hr', 'img', 'input', 'source', 'track', 'wbr'])

/** Dropped with their content: pictures, emoji, editor placeholders, macro settings, task metadata. */
const DROPPED = new Set([
  'ac:image',
  'ac:emoticon',
  'ac:placeholder',
  'ac:parameter',
  'ac:plain-text-body',
  'ac:task-id',
  'ac:task-uuid',
  'ac:task-status',
])

/** Panels whose body we keep as a blockquote, with the panel's kind as its first line. */
const PANELS: Record<string, string> = {
  info: 'Info',
  note: 'Note',
  warning: 'Warning',
  tip: 'Tip',
  panel: '',
}

const TOKEN =
  /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\/([^\s>]+)\s*>|<([A-Za-z][^\s/>]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*(\/?)>|<[!?][^>]*>/g
const ATTR = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g

/**
 * Storage-format XHTML to HTML: info/note/warning/tip panels become blockquotes, code and noformat
 * macros become `<pre><code class="language-…">`, page/attachment links become their title text,
 * images and emoticons are dropped, tasks become checkbox lists, and any other macro keeps its
 * rich-text body (or vanishes when it has none: a table of contents, a Jira query). Plain HTML
 * (headings, lists, tables) passes through unchanged.
 */
export function storageToHtml(xhtml: string): string {
  return render(parse(xhtml))
}

function parse(xhtml: string): XmlNode[] {
  const root: XmlElement = { kind: 'element', name: '#root', attrs: {}, children: [] }
  const stack: XmlElement[] = [root]
  const top = () => stack[stack.length - 1] ?? root
  let last = 0
  for (const m of xhtml.matchAll(TOKEN)) {
    if (m.index > last) top().children.push({ kind: 'text', raw: xhtml.slice(last, m.index) })
    last = m.index + m[0].length
    const [, cdata, closing, opening, attrs, selfClosing] = m
    if (cdata !== undefined) top().children.push({ kind: 'cdata', text: cdata })
    else if (closing !== undefined) {
      // Lenient: close up to the matching element; a stray end tag is ignored.
      const at = stack.findLastIndex((e) => e.name === closing)
      if (at > 0) stack.length = at
    } else if (opening !== undefined) {
      const el: XmlElement = { kind: 'element', name: opening, attrs: parseAttrs(attrs ?? ''), children: [] }
      top().children.push(el)
      if (!selfClosing && !VOID.has(opening.toLowerCase())) stack.push(el)
    }
    // Comments, doctypes and processing instructions are dropped.
  }
  if (last < xhtml.length) top().children.push({ kind: 'text', raw: xhtml.slice(last) })
  return root.children
}

function parseAttrs(source: string): Record<string, string> {
  const attrs: Record<string, string> = {}
  for (const m of source.matchAll(ATTR)) {
    if (m[1]) attrs[m[1]] = m[2] ?? m[3] ?? m[4] ?? ''
  }
  return attrs
}

function render(nodes: XmlNode[]): string {
  return nodes.map(renderNode).join('')
}

function renderNode(node: XmlNode): string {
  if (node.kind === 'text') return node.raw
  if (node.kind === 'cdata') return escapeHtml(node.text)
  const { name } = node
  if (name.startsWith('ri:') || DROPPED.has(name)) return ''
  switch (name) {
    case 'ac:structured-macro':
    case 'ac:macro':
      return renderMacro(node)
    case 'ac:link':
      return renderLink(node)
    case 'ac:task-list':
      return `<ul>${render(node.children)}</ul>`
    case 'ac:task': {
      const done = textOf(child(node, 'ac:task-status')).trim() === 'complete'
      return `<li><input type="checkbox"${done ? ' checked' : ''}> ${render(child(node, 'ac:task-body')?.children ?? [])}</li>`
    }
    case 'ac:adf-extension':
      // The ADF node repeats what the fallback renders; keeping both would duplicate the text.
      return render(child(node, 'ac:adf-fallback')?.children ?? [])
    case 'time':
      return escapeHtml(node.attrs.datetime ?? '') + render(node.children)
  }
  // Layouts, rich-text bodies, inline comment markers and other `ac:` wrappers are transparent.
  if (name.startsWith('ac:')) return render(node.children)
  const attrs = Object.entries(node.attrs)
    .map(([k, v]) => ` ${k}="${v.replace(/"/g, '&quot;')}"`)
    .join('')
  if (VOID.has(name.toLowerCase())) return `<${name}${attrs}>`
  return `<${name}${attrs}>${render(node.children)}</${name}>`
}

function renderMacro(macro: XmlElement): string {
  const kind = (macro.attrs['ac:name'] ?? '').toLowerCase()
  const params = new Map(
    macro.children
      .filter((c): c is XmlElement => c.kind === 'element' && c.name === 'ac:parameter')
      .map((p) => [p.attrs['ac:name'] ?? '', textOf(p)]),
  )
  const body = render(child(macro, 'ac:rich-text-body')?.children ?? [])
  if (kind === 'code' || kind === 'noformat') {
    const language = params.get('language')?.trim()
    const cls = language ? ` class="language-${language.replace(/[^\w+#.-]/g, '')}"` : ''
    return `<pre><code${cls}>${plainText(child(macro, 'ac:plain-text-body'))}</code></pre>`
  }
  const panel = PANELS[kind]
  if (panel !== undefined) {
    const heading = [panel, params.get('title')].filter(Boolean).join(': ')
    return `<blockquote>${heading ? `<p><strong>${heading}</strong></p>` : ''}${body}</blockquote>`
  }
  if (kind === 'expand') {
    const title = params.get('title')
    return `${title ? `<p><strong>${title}</strong></p>` : ''}${body}`
  }
  if (kind === 'status') return params.get('title') ?? ''
  return body
}

function renderLink(link: XmlElement): string {
  const body = child(link, 'ac:link-body')
  if (body) return render(body.children)
  const plain = child(link, 'ac:plain-text-link-body')
  if (plain) return plainText(plain)
  const target = link.children.find((c): c is XmlElement => c.kind === 'element' && c.name.startsWith('ri:'))
  const a = target?.attrs ?? {}
  // A user mention would only show an account id, which means nothing to a reader.
  return a['ri:content-title'] ?? a['ri:filename'] ?? a['ri:space-key'] ?? a['ri:value'] ?? ''
}

function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c): c is XmlElement => c.kind === 'element' && c.name === name)
}

/** The text of a plain-text body as HTML: CDATA escaped, already-escaped text kept. */
function plainText(el: XmlElement | undefined): string {
  return (el?.children ?? []).map((c) => (c.kind === 'cdata' ? escapeHtml(c.text) : textOf(c))).join('')
}

/** Text content, still escaped where the source was (for parameters and attribute-free values). */
function textOf(node: XmlNode | undefined): string {
  if (!node) return ''
  if (node.kind === 'text') return node.raw
  if (node.kind === 'cdata') return escapeHtml(node.text)
  return node.children.map(textOf).join('')
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
