import { escapeMarkdown, markdownLink, safeMarkdownLinks } from '../markdown'
import type { AnswerReply, ReplyCitation } from '../reply'
import { flattenTables } from '../tables'

/**
 * Answers as Adaptive Cards (schema 1.5, what Teams renders): the answer text, then the
 * numbered, linked sources, in the asker's language. Adaptive Card TextBlocks take a Markdown
 * subset (bold, italic, links, lists), which is what the core's answers use.
 */
export interface AdaptiveCard {
  type: 'AdaptiveCard'
  $schema: string
  version: string
  body: Array<Record<string, unknown>>
  actions?: Array<Record<string, unknown>>
}

const L = {
  en: {
    sources: 'Sources',
    updated: 'updated',
    extractive: 'Quoted from the documents (no summary was generated).',
    approved: (by: string, at: string) => `✅ Answer approved by ${by} on ${at}`,
    askHuman: 'Ask a human',
    helpful: '👍 Helpful',
    unhelpful: '👎 Not helpful',
    asked: "I've asked the policy team to check this answer. Their reply will follow here.",
  },
  zh: {
    sources: '来源',
    updated: '更新于',
    extractive: '以下内容直接摘自公司文档（未生成摘要）。',
    approved: (by: string, at: string) => `✅ 此答案已由 ${by} 于 ${at} 审核通过`,
    askHuman: '咨询人工',
    helpful: '👍 有帮助',
    unhelpful: '👎 没有帮助',
    asked: '我已请政策团队核实此答案，他们的答复会发送到这里。',
  },
}

/** `1. [Title › Section](url) (p. 3, updated 2026-03-14)`; the title alone when the URL may not be a link. */
export function citationText(c: ReplyCitation, language: string): string {
  const l = language === 'zh' ? L.zh : L.en
  const label = markdownLink(c.url, [c.title, ...c.headingPath].join(' › '))
  const page = c.page !== null ? `p. ${c.page}, ` : ''
  return `${c.n}. ${label} (${page}${l.updated} ${c.updated})`
}

export function answerCard(reply: AnswerReply): AdaptiveCard {
  const l = reply.language === 'zh' ? L.zh : L.en
  const body: Array<Record<string, unknown>> = []
  if (reply.mode === 'approved' && reply.approval) {
    body.push({
      type: 'TextBlock',
      text: l.approved(escapeMarkdown(reply.approval.by), reply.approval.at.slice(0, 10)),
      isSubtle: true,
      wrap: true,
      size: 'Small',
    })
  }
  if (reply.mode === 'extractive')
    body.push({ type: 'TextBlock', text: l.extractive, isSubtle: true, wrap: true, size: 'Small' })
  // TextBlock Markdown has no tables: rows become `Header: value` lines. The answer quotes
  // documents: no hostile links.
  body.push({ type: 'TextBlock', text: safeMarkdownLinks(flattenTables(reply.text.trim())), wrap: true })
  if (reply.citations.length) {
    body.push({ type: 'TextBlock', text: l.sources, weight: 'Bolder', spacing: 'Medium', wrap: true })
    body.push({
      type: 'TextBlock',
      text: reply.citations.map((c) => citationText(c, reply.language)).join('\n\n'),
      wrap: true,
      size: 'Small',
    })
  }
  // Universal Actions (Action.Execute): the press comes back as an `adaptiveCard/action` invoke.
  const q = reply.questionId
  const actions = reply.actions
    ? [
        {
          type: 'Action.Execute',
          title: l.helpful,
          verb: 'feedback',
          data: { questionId: q, helpful: true },
        },
        {
          type: 'Action.Execute',
          title: l.unhelpful,
          verb: 'feedback',
          data: { questionId: q, helpful: false },
        },
        { type: 'Action.Execute', title: l.askHuman, verb: 'askHuman', data: { questionId: q } },
      ]
    : []
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body,
    ...(actions.length ? { actions } : {}),
  }
}

/** What the card becomes for the asker who pressed "Ask a human". */
export function askedCard(language: string): AdaptiveCard {
  const l = language === 'zh' ? L.zh : L.en
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [{ type: 'TextBlock', text: l.asked, wrap: true }],
  }
}
