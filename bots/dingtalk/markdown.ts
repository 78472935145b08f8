import { escapeMarkdown, markdownLink, safeMarkdownLinks } from '../markdown'
import type { AnswerReply, ReplyCitation } from '../reply'
import { flattenTables } from '../tables'

/**
 * An answer as a DingTalk Markdown message (`msgtype: markdown`, the `sampleMarkdown` template of
 * the robot API): the text with its `[n]` markers, then the numbered, linked sources, in the
 * asker's language (Chinese labels for Chinese questions). DingTalk's Markdown has headings,
 * bold, links, lists and quotes, no tables (rows become `Header: value` lines); a message is at most 20,000 characters.
 */
export interface DingTalkMarkdown {
  title: string
  text: string
}

const MAX_TEXT = 20_000

const LABELS = {
  en: {
    sources: 'Sources',
    updated: 'updated',
    page: 'p.',
    extractive: 'Quoted from the documents (no summary was generated).',
    approved: (by: string, at: string) => `Answer approved by ${by} on ${at}`,
    title: 'Policy answer',
    handoff: '*Not what you needed? Reply "human" and the policy team will check it.*',
  },
  zh: {
    sources: '来源',
    updated: '更新于',
    page: '第',
    extractive: '以下内容直接摘自公司文档（未生成摘要）。',
    approved: (by: string, at: string) => `此答案已由 ${by} 于 ${at} 审核通过`,
    title: '政策解答',
    handoff: '*答案不对或不完整？回复「转人工」，由政策团队人工核实。*',
  },
} as const

/** `1. [Title › Section](url) (p. 3, updated 2026-03-14)`; the title alone when the URL may not be a link. */
export function dingTalkCitation(c: ReplyCitation, language: string): string {
  const l = language === 'zh' ? LABELS.zh : LABELS.en
  const label = markdownLink(c.url, [c.title, ...c.headingPath].join(' › '))
  const page = c.page !== null ? (language === 'zh' ? `第 ${c.page} 页，` : `p. ${c.page}, `) : ''
  return `${c.n}. ${label} (${page}${l.updated} ${c.updated})`
}

export function answerMarkdown(reply: AnswerReply): DingTalkMarkdown {
  const l = reply.language === 'zh' ? LABELS.zh : LABELS.en
  const parts: string[] = []
  if (reply.mode === 'approved' && reply.approval)
    parts.push(`> ✅ ${l.approved(escapeMarkdown(reply.approval.by), reply.approval.at.slice(0, 10))}`)
  if (reply.mode === 'extractive') parts.push(`> ${l.extractive}`)
  // The answer renders as Markdown (it is written so), but quotes documents: no hostile links.
  parts.push(safeMarkdownLinks(flattenTables(reply.text.trim())))
  if (reply.citations.length) {
    parts.push(
      `**${l.sources}**\n\n${reply.citations.map((c) => dingTalkCitation(c, reply.language)).join('\n')}`,
    )
  }
  // DingTalk messages carry no buttons: "Ask a human" is a reply.
  if (reply.actions) parts.push(l.handoff)
  let text = parts.join('\n\n')
  if (text.length > MAX_TEXT) text = `${text.slice(0, MAX_TEXT - 1)}…`
  // The title is what notifications and the chat list show.
  const first =
    reply.text
      .replace(/[#>*_`[\]]/g, '')
      .trim()
      .split('\n')[0] ?? ''
  return { title: first.slice(0, 40) || l.title, text }
}

/** A plain note (holding message, rejection) as Markdown. */
export function noteMarkdown(text: string, language: string): DingTalkMarkdown {
  return { title: (language === 'zh' ? LABELS.zh : LABELS.en).title, text }
}
