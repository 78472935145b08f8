import { stringify } from 'yaml'
import type { Item } from './connector'

/**
 * An item as the Markdown file the knowledge core ingests: YAML front matter carrying what the
 * index shows (title, link, audience, author, labels, location), then the body. The modification
 * time is not in it (it is passed beside), so a version bump that changes nothing else hashes
 * the same and costs no embedding.
 */
export function itemMarkdown(item: Item, sourceAudience: readonly string[] = []): string {
  // A page that names its own audience is for them only: the source's audience (who may read the
  // whole source) applies to pages that name none. Adding the two would let the source's readers
  // see a page restricted to fewer people.
  const own = item.audience ?? []
  const audience = [...new Set((own.length ? own : sourceAudience).map((a) => a.toLowerCase()))]
  const fm: Record<string, unknown> = { title: item.title }
  if (item.url) fm.url = item.url
  if (audience.length) fm.audience = audience
  if (item.author) fm.author = item.author
  if (item.labels?.length) fm.labels = item.labels
  if (item.location) fm.location = item.location
  const body = item.markdown.trim()
  // A body without a heading gets the title as one, so passages carry it in their heading path.
  const heading = /^#\s/m.test(body) ? '' : `# ${item.title}\n\n`
  return `---\n${stringify(fm).trimEnd()}\n---\n\n${heading}${body}\n`
}

/** Hex SHA-256 of a text (WebCrypto: runs in Workers and Node). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}
