import { percentEncode, safeLink } from '../links'
import { flattenTables } from '../tables'

/**
 * Slack's text sinks, one function each: mrkdwn from someone's words (`escapeText`), from the
 * model's Markdown (`toMrkdwn`), a message's top-level `text` (`fallbackText`) and a link
 * (`slackLink`, `slackHref`). Pure; nothing from a person or a document reaches a Slack message
 * except through one of them.
 */

/**
 * Someone's text (a question, a file name, a document title) made inert in Slack mrkdwn and in a
 * message's top-level `text`: no `<!channel>`, `<@U…>` mention or `<url|label>` link can come out
 * of it (Slack reads only these three characters as markup, and decodes these three entities).
 */
export const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const unescapeText = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

/**
 * A link target as Slack's `<href|label>` may carry it: only a link `safeLink` allows, with `|`,
 * `<` and `>` percent-encoded (any of them would end the target early and let the rest of the URL
 * pose as the label or as a mention) and `&` escaped like all mrkdwn. `undefined` when not a link.
 */
export function slackHref(url: string | null | undefined): string | undefined {
  const href = safeLink(url)
  return href === undefined ? undefined : percentEncode(href, /[|<>]/g).replace(/&/g, '&amp;')
}

/** `<href|label>` with the label made inert, or the label alone when the URL may not be a link. */
export function slackLink(url: string | null | undefined, label: string): string {
  const href = slackHref(url)
  // A `|` in the label is harmless after the first one, but shown as `¦` it cannot be misread.
  return href ? `<${href}|${escapeText(label).replace(/\|/g, '¦')}>` : escapeText(label)
}

/**
 * Markdown (as the model writes it) to Slack mrkdwn, with `<`, `>`, `&` escaped; tables as lines.
 * A Markdown link becomes a Slack link only when its target may be shown (`slackHref`); otherwise
 * it stays as the (escaped, inert) text it was.
 */
export function toMrkdwn(markdown: string): string {
  return escapeText(flattenTables(markdown))
    .replace(/\*\*(.+?)\*\*/g, '*$1*')
    .replace(/^#{1,6}\s+(.+)$/gm, '*$1*')
    .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, (whole, label: string, target: string) => {
      const href = slackHref(unescapeText(target))
      return href ? `<${href}|${label.replace(/\|/g, '¦')}>` : whole
    })
}

/**
 * A message's top-level `text` (notifications, and what clients without blocks show) from
 * someone's words: cut to Slack's recommended 4,000 characters, then made inert like mrkdwn.
 */
export function fallbackText(text: string): string {
  return escapeText(text.length > 3900 ? `${text.slice(0, 3900)}…` : text)
}
