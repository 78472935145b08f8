import { safeLink } from '../../../bots/links'
import { blocksLanguage, firstHeading } from './blocks'
import { htmlToMarkdown } from './html-to-markdown'
import { markdownToBlocks } from './markdown'
import type { ParsedDocument } from './types'

/**
 * An HTML page: the main content (`<main>`, else `<article>`, else `<body>`) converted to
 * Markdown and parsed like Markdown; title, canonical URL, modification date and language from
 * the head.
 */
export function parseHtml(html: string, fallbackTitle: string): ParsedDocument {
  const main =
    firstElement(html, 'main') ?? firstElement(html, 'article') ?? firstElement(html, 'body') ?? html
  const withoutChrome = main.replace(/<(header|footer|aside)\b[\s\S]*?<\/\1>/gi, '')
  const blocks = markdownToBlocks(htmlToMarkdown(withoutChrome))
  const title =
    metaContent(html, 'og:title') ??
    textOf(/<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]) ??
    firstHeading(blocks, 1) ??
    fallbackTitle
  // Kept only when it may be shown as a link (see safeLink).
  const url = safeLink(
    /<link[^>]+rel=["']canonical["'][^>]*>/i.exec(html)?.[0].match(/href=["']([^"']+)["']/i)?.[1],
  )
  const modified = metaContent(html, 'article:modified_time') ?? metaContent(html, 'last-modified')
  const updatedAt = modified ? new Date(modified) : undefined
  const lang = /<html[^>]+lang=["']([a-zA-Z]{2})/i.exec(html)?.[1]?.toLowerCase()
  return {
    title,
    format: 'html',
    blocks,
    language: lang ?? blocksLanguage(blocks),
    ...(url ? { url } : {}),
    ...(updatedAt && !Number.isNaN(updatedAt.getTime()) ? { updatedAt } : {}),
    metadata: {},
  }
}

function firstElement(html: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)<\\/${tag}>`, 'i').exec(html)
  return m?.[1]
}

function metaContent(html: string, name: string): string | undefined {
  for (const m of html.matchAll(/<meta\b[^>]*>/gi)) {
    const tag = m[0]
    const key = /(?:name|property|http-equiv)=["']([^"']+)["']/i.exec(tag)?.[1]
    if (key?.toLowerCase() === name) return textOf(/content=["']([^"']*)["']/i.exec(tag)?.[1])
  }
  return undefined
}

function textOf(s: string | undefined): string | undefined {
  const t = s
    ?.replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim()
  return t ? t : undefined
}
