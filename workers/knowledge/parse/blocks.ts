import { detectLanguage } from '../text/script'
import type { Block } from './types'

/** The text of a block as it will appear in a chunk. */
export function blockText(b: Block): string {
  switch (b.kind) {
    case 'list':
      return b.items.join('\n')
    case 'table':
      return [b.header, ...b.rows].join('\n')
    default:
      return b.text
  }
}

/** The language of a parsed document's text (see `detectLanguage`). */
export function blocksLanguage(blocks: readonly Block[]): string {
  return detectLanguage(blocks.map(blockText).join('\n'))
}

/** The text of the first heading (of `level` when given), the usual stand-in for a missing title. */
export function firstHeading(blocks: readonly Block[], level?: number): string | undefined {
  const h = blocks.find((b) => b.kind === 'heading' && (level === undefined || b.level === level))
  return h?.kind === 'heading' ? h.text : undefined
}
