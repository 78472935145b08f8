import { describe, expect, it } from 'vitest'
import { blocksToMarkdown, type NotionBlock, type RichText, richTextToMarkdown } from './notion-blocks'

// Factories shaped like Notion's block and rich-text objects (developers.notion.com/reference/block).
type Annotations = { bold?: boolean; italic?: boolean; strikethrough?: boolean; code?: boolean }

function rt(content: string, annotations: Annotations = {}, href: string | null = null): RichText {
  return {
    type: 'text',
    plain_text: content,
    href,
    annotations: { bold: false, italic: false, strikethrough: false, code: false, ...annotations },
  }
}

let seq = 0
function block(type: string, payload: object = {}, children?: NotionBlock[]): NotionBlock {
  seq += 1
  const id = `b10c0000-0000-4000-8000-${String(seq).padStart(12, '0')}`
  return { object: 'block', id, type, has_children: !!children?.length, [type]: payload, children }
}

const text = (type: string, content: string | RichText[], children?: NotionBlock[], extra: object = {}) =>
  block(
    type,
    { rich_text: typeof content === 'string' ? [rt(content)] : content, color: 'default', ...extra },
    children,
  )

describe('rich text to Markdown', () => {
  it('applies bold, italic, code, strikethrough and links', () => {
    const md = richTextToMarkdown([
      rt('Book '),
      rt('early', { bold: true }),
      rt(', '),
      rt('always', { italic: true }),
      rt(' via '),
      rt('navan', { code: true }),
      rt(', '),
      rt('never', { strikethrough: true }),
      rt(' by fax; see '),
      rt('the guide', { bold: true }, 'https://example.com/guide'),
    ])
    expect(md).toBe(
      'Book **early**, _always_ via `navan`, ~~never~~ by fax; see [**the guide**](https://example.com/guide)',
    )
  })

  it('merges neighbouring runs with the same styling', () => {
    expect(richTextToMarkdown([rt('per ', { bold: true }), rt('diem', { bold: true })])).toBe('**per diem**')
  })

  it('keeps whitespace at a run edge outside the markers', () => {
    expect(richTextToMarkdown([rt('Pay'), rt(' within 30 days ', { bold: true }), rt('.')])).toBe(
      'Pay **within 30 days** .',
    )
  })

  it('makes links to other Notion pages absolute and escapes parentheses in targets', () => {
    expect(
      richTextToMarkdown([
        rt('FAQ', {}, '/9d1e2f3a4b5c4d6e8f7a9b0c1d2e3f4a'),
        rt(' and '),
        rt('wiki', {}, 'https://x.test/a (b)'),
      ]),
    ).toBe(
      '[FAQ](https://www.notion.so/9d1e2f3a4b5c4d6e8f7a9b0c1d2e3f4a) and [wiki](https://x.test/a%20%28b%29)',
    )
  })

  it('writes inline equations between dollar signs and code containing backticks with a longer fence', () => {
    const eq: RichText = {
      type: 'equation',
      plain_text: 'E = mc^2',
      href: null,
      equation: { expression: 'E = mc^2' },
    }
    expect(richTextToMarkdown([rt('Energy: '), eq, rt(' and '), rt('a`b', { code: true })])).toBe(
      'Energy: $E = mc^2$ and `` a`b ``',
    )
  })
})

describe('blocks to Markdown', () => {
  it('renders headings with one to three hashes and separates blocks by blank lines', () => {
    const md = blocksToMarkdown([
      text('heading_1', 'Leave'),
      text('paragraph', 'Annual leave is 25 days.'),
      text('heading_2', 'Carry-over'),
      text('heading_3', 'Exceptions'),
    ])
    expect(md).toBe('# Leave\n\nAnnual leave is 25 days.\n\n## Carry-over\n\n### Exceptions\n')
  })

  it('numbers consecutive numbered items and restarts after another block', () => {
    const md = blocksToMarkdown([
      text('numbered_list_item', 'Open Navan'),
      text('numbered_list_item', 'Book'),
      text('paragraph', 'Then:'),
      text('numbered_list_item', 'Upload receipts'),
    ])
    expect(md).toBe('1. Open Navan\n2. Book\n\nThen:\n\n1. Upload receipts\n')
  })

  it("indents nested list children to the item's content column", () => {
    const md = blocksToMarkdown([
      text('bulleted_list_item', 'Approval', [
        text('numbered_list_item', 'In writing'),
        text('numbered_list_item', 'Before booking', [text('bulleted_list_item', 'Over €500')]),
      ]),
      text('bulleted_list_item', 'Receipts'),
    ])
    expect(md).toBe('- Approval\n  1. In writing\n  2. Before booking\n     - Over €500\n- Receipts\n')
  })

  it('renders to-dos as task list items', () => {
    const md = blocksToMarkdown([
      text('to_do', 'Submit receipts', undefined, { checked: false }),
      text('to_do', 'Read the policy', undefined, { checked: true }),
    ])
    expect(md).toBe('- [ ] Submit receipts\n- [x] Read the policy\n')
  })

  it('renders quotes and callouts, with their emoji and children, as blockquotes', () => {
    const md = blocksToMarkdown([
      text('quote', 'Travel light.', [text('paragraph', 'The CFO')]),
      text('callout', [rt('Rates change in '), rt('January', { bold: true })], undefined, {
        icon: { type: 'emoji', emoji: '💡' },
      }),
      text('callout', 'No icon', undefined, {
        icon: { type: 'external', external: { url: 'https://x.test/i.png' } },
      }),
    ])
    expect(md).toBe('> Travel light.\n>\n> The CFO\n\n> 💡 Rates change in **January**\n\n> No icon\n')
  })

  it('fences code with its language, and longer when the code holds a fence', () => {
    const md = blocksToMarkdown([
      block('code', {
        caption: [],
        rich_text: [rt('const rate = 75', { bold: true })],
        language: 'javascript',
      }),
      block('code', { caption: [], rich_text: [rt('```\nnested\n```')], language: 'plain text' }),
      block('code', { caption: [], rich_text: [rt('MsgBox "hi"')], language: 'visual basic' }),
    ])
    expect(md).toBe(
      '```javascript\nconst rate = 75\n```\n\n````\n```\nnested\n```\n````\n\n```visual-basic\nMsgBox "hi"\n```\n',
    )
  })

  it('renders a table with its first row as the header, even without a column header', () => {
    const row = (...cells: string[]) => block('table_row', { cells: cells.map((c) => [rt(c)]) })
    const md = blocksToMarkdown([
      block('table', { table_width: 3, has_column_header: false, has_row_header: false }, [
        row('City', 'Rate', 'Note'),
        row('London', '£90', 'a | b'),
        row('Zurich', 'CHF 120'),
      ]),
    ])
    expect(md).toBe(
      '| City | Rate | Note |\n| --- | --- | --- |\n| London | £90 | a \\| b |\n| Zurich | CHF 120 |  |\n',
    )
  })

  it('flattens toggles, synced blocks and columns to their content in order', () => {
    const md = blocksToMarkdown([
      text('toggle', 'High-cost cities?', [text('paragraph', 'London and Zurich.')]),
      block('synced_block', { synced_from: null }, [text('paragraph', 'Shared footer')]),
      block('column_list', {}, [
        block('column', {}, [text('paragraph', 'Left')]),
        block('column', {}, [text('paragraph', 'Right')]),
      ]),
    ])
    expect(md).toBe('High-cost cities?\n\nLondon and Zurich.\n\nShared footer\n\nLeft\n\nRight\n')
  })

  it('skips child pages, databases and uncaptioned media but keeps captions, links and equations', () => {
    const md = blocksToMarkdown([
      block('child_page', { title: 'Travel FAQ' }),
      block('child_database', { title: 'Expense codes' }),
      block('image', { caption: [], type: 'external', external: { url: 'https://x.test/a.png' } }),
      block('image', {
        caption: [rt('Org chart')],
        type: 'external',
        external: { url: 'https://x.test/b.png' },
      }),
      block('bookmark', { caption: [], url: 'https://example.com/per-diem' }),
      block('link_preview', { url: 'https://github.com/acme/handbook/pull/1' }),
      block('equation', { expression: 'r = 0.3 \\times d' }),
      block('divider', {}),
      block('table_of_contents', { color: 'default' }),
    ])
    expect(md).toBe(
      'Org chart\n\nhttps://example.com/per-diem\n\nhttps://github.com/acme/handbook/pull/1\n\n$$\nr = 0.3 \\times d\n$$\n\n---\n',
    )
  })

  it('drops empty paragraphs and renders unknown block types with text as paragraphs', () => {
    const md = blocksToMarkdown([
      text('paragraph', []),
      text('heading_4', 'Newer than this code'),
      block('paragraph', { rich_text: 'not an array' }),
    ])
    expect(md).toBe('Newer than this code\n')
  })
})
