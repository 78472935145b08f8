import type { Markup } from '../workers/platform'
import { percentEncode, safeLink } from './links'

/**
 * Someone's words made inert in Markdown (Teams messages, DingTalk's Markdown): the characters
 * that make emphasis, links, code or tables are escaped, and angle brackets become entities, so
 * no HTML, autolink or Teams `<at>` mention can come out of them.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]~|#])/g, '\\$1')
}

/** Markdown as Teams and DingTalk show it. */
export const markdownMarkup: Markup = {
  escape: escapeMarkdown,
  bold: (s) => `**${s}**`,
  italic: (s) => `*${s}*`,
}

/**
 * What a Markdown link target must not carry raw: `(` `)` would end or unbalance the target, `<`
 * `>` make it an angle-bracket target or HTML, `[` `]` `\` `` ` `` `"` `'` start other syntax.
 */
const TARGET_SPECIALS = /[()<>[\]\\`"']/g

/**
 * A source as a Markdown link (Teams TextBlocks, DingTalk): `[label](href)` with the label made
 * inert (`escapeMarkdown`) and the target one `safeLink` allows, percent-encoded so it cannot
 * close the link early; the label alone when the URL may not be shown as a link.
 */
export function markdownLink(url: string | null | undefined, label: string): string {
  const text = escapeMarkdown(label)
  const href = safeLink(url)
  return href ? `[${text}](${percentEncode(href, TARGET_SPECIALS)})` : text
}

/**
 * `[label](target)` and `![alt](target)`: labels with one level of nested brackets, targets with
 * balanced parentheses (`…/Leave_(policy)`).
 */
const INLINE_LINK = /(!?)\[((?:[^[\]\n]|\[[^[\]\n]*\])*)\]\(\s*((?:[^\s()]|\([^\s()]*\))*)[^)\n]*\)/g
/** Any `](` whose target is not an allowed link, however the label before it was written. */
const LINK_OPENING = /\]\((?=\s*([^\s)]*))/g
/** `[ref]: target`, a link reference definition. */
const REFERENCE = /^( {0,3})\[([^\]\n]+)\]:[ \t]*<?([^\s>]*)>?/gm
/** `<scheme:…>`, an autolink (any scheme in CommonMark). */
const AUTOLINK = /<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^\s<>]*)>/g

/**
 * Markdown meant to render (an answer, a draft, an approved answer), which quotes documents and
 * so may carry a hostile link: a link or image whose target `safeLink` refuses becomes its label
 * (an inline link), or text (a reference definition, an autolink); allowed links stay as written.
 */
export function safeMarkdownLinks(markdown: string): string {
  return markdown
    .replace(INLINE_LINK, (whole, _bang: string, label: string, target: string) =>
      safeLink(target) ? whole : label,
    )
    .replace(LINK_OPENING, (opening, target: string) => (safeLink(target) ? opening : ']\\('))
    .replace(REFERENCE, (whole, indent: string, ref: string, target: string) =>
      safeLink(target) ? whole : `${indent}\\[${ref}\\]:${whole.slice(indent.length + ref.length + 3)}`,
    )
    .replace(AUTOLINK, (whole, target: string) => (safeLink(target) ? whole : `&lt;${target}&gt;`))
}
