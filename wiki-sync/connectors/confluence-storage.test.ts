import { describe, expect, it } from 'vitest'
import { storageToHtml } from './confluence-storage'

const macro = (name: string, inner: string) =>
  `<ac:structured-macro ac:name="${name}" ac:schema-version="1" ac:macro-id="0f1e2d3c">${inner}</ac:structured-macro>`

describe('storageToHtml', () => {
  it('passes plain XHTML through, writing void elements the HTML way', () => {
    const xhtml =
      '<h2>Days</h2><table data-layout="default"><colgroup><col style="width: 380.0px;" /></colgroup><tbody><tr><th><p>Years</p></th></tr></tbody></table><p>a<br />b &amp; c</p>'

    expect(storageToHtml(xhtml)).toBe(
      '<h2>Days</h2><table data-layout="default"><colgroup><col style="width: 380.0px;"></colgroup><tbody><tr><th><p>Years</p></th></tr></tbody></table><p>a<br>b &amp; c</p>',
    )
  })

  it.each([
    ['info', 'Info'],
    ['note', 'Note'],
    ['warning', 'Warning'],
    ['tip', 'Tip'],
  ])('keeps the body of a %s panel as a blockquote headed by its kind and title', (name, label) => {
    const xhtml = macro(
      name,
      '<ac:parameter ac:name="title">Part-time staff</ac:parameter><ac:rich-text-body><p>Pro rata.</p></ac:rich-text-body>',
    )

    expect(storageToHtml(xhtml)).toBe(
      `<blockquote><p><strong>${label}: Part-time staff</strong></p><p>Pro rata.</p></blockquote>`,
    )
  })

  it('turns a code macro into pre/code with its language, escaping the CDATA body', () => {
    const xhtml = macro(
      'code',
      '<ac:parameter ac:name="language">yaml</ac:parameter><ac:parameter ac:name="breakoutMode">wide</ac:parameter><ac:plain-text-body><![CDATA[days: 25 # <= 5 & more]]></ac:plain-text-body>',
    )

    expect(storageToHtml(xhtml)).toBe(
      '<pre><code class="language-yaml">days: 25 # &lt;= 5 &amp; more</code></pre>',
    )
  })

  it('turns a code macro without a language into a bare pre/code', () => {
    expect(
      storageToHtml(macro('noformat', '<ac:plain-text-body><![CDATA[a\nb]]></ac:plain-text-body>')),
    ).toBe('<pre><code>a\nb</code></pre>')
  })

  it('writes a link to a page as its title, or as the link body when there is one', () => {
    const xhtml =
      '<p>See <ac:link><ri:page ri:space-key="HR" ri:content-title="Sick leave" ri:version-at-save="4" /></ac:link>, ' +
      '<ac:link><ri:page ri:content-title="Expenses" /><ac:plain-text-link-body><![CDATA[claims & receipts]]></ac:plain-text-link-body></ac:link>, ' +
      '<ac:link><ri:attachment ri:filename="form.pdf" /><ac:link-body><em>the form</em></ac:link-body></ac:link>' +
      ' and <ac:link><ri:user ri:account-id="557058:2b8e1d40" /></ac:link>.</p>'

    expect(storageToHtml(xhtml)).toBe('<p>See Sick leave, claims &amp; receipts, <em>the form</em> and .</p>')
  })

  it('drops images and emoticons', () => {
    const xhtml =
      '<p>Hi <ac:emoticon ac:name="smile" ac:emoji-shortname=":slight_smile:" ac:emoji-fallback="🙂" /></p>' +
      '<ac:image ac:align="center"><ri:attachment ri:filename="chart.png" ri:version-at-save="1" /></ac:image>'

    expect(storageToHtml(xhtml)).toBe('<p>Hi </p>')
  })

  it('keeps the rich-text body of an unknown macro and drops one without a body', () => {
    const xhtml =
      macro('toc', '<ac:parameter ac:name="maxLevel">2</ac:parameter>') +
      macro('details', '<ac:rich-text-body><p>Owner: HR</p></ac:rich-text-body>')

    expect(storageToHtml(xhtml)).toBe('<p>Owner: HR</p>')
  })

  it('renders nested macros inside out: code inside an expand inside an info panel', () => {
    const code = macro('code', '<ac:plain-text-body><![CDATA[x < y]]></ac:plain-text-body>')
    const expand = macro(
      'expand',
      `<ac:parameter ac:name="title">Example</ac:parameter><ac:rich-text-body>${code}</ac:rich-text-body>`,
    )
    const xhtml = macro('info', `<ac:rich-text-body><p>Before</p>${expand}</ac:rich-text-body>`)

    expect(storageToHtml(xhtml)).toBe(
      '<blockquote><p><strong>Info</strong></p><p>Before</p><p><strong>Example</strong></p><pre><code>x &lt; y</code></pre></blockquote>',
    )
  })

  it('turns a task list into checkboxes', () => {
    const xhtml =
      '<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-uuid>a1</ac:task-uuid><ac:task-status>complete</ac:task-status><ac:task-body>Read this</ac:task-body></ac:task>' +
      '<ac:task><ac:task-id>2</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>Book leave</ac:task-body></ac:task></ac:task-list>'

    expect(storageToHtml(xhtml)).toBe(
      '<ul><li><input type="checkbox" checked> Read this</li><li><input type="checkbox"> Book leave</li></ul>',
    )
  })

  it('writes dates and status lozenges as their text and keeps layouts transparent', () => {
    const xhtml =
      '<ac:layout><ac:layout-section ac:type="two_equal"><ac:layout-cell><p>From <time datetime="2025-04-01" /> ' +
      `${macro('status', '<ac:parameter ac:name="colour">Green</ac:parameter><ac:parameter ac:name="title">Approved</ac:parameter>')}</p>` +
      '</ac:layout-cell></ac:layout-section></ac:layout>'

    expect(storageToHtml(xhtml)).toBe('<p>From 2025-04-01 Approved</p>')
  })

  it('keeps only the fallback of an ADF extension', () => {
    const xhtml =
      '<ac:adf-extension><ac:adf-node type="panel"><ac:adf-attribute key="panel-type">note</ac:adf-attribute><ac:adf-content><p>Once</p></ac:adf-content></ac:adf-node>' +
      '<ac:adf-fallback><div class="panel"><p>Once</p></div></ac:adf-fallback></ac:adf-extension>'

    expect(storageToHtml(xhtml)).toBe('<div class="panel"><p>Once</p></div>')
  })

  it('does not throw on malformed markup: stray end tags are ignored, open ones closed', () => {
    expect(storageToHtml('<p>a</b> <strong>b')).toBe('<p>a <strong>b</strong></p>')
  })
})
