import type { Markup } from '../workers/platform'

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
