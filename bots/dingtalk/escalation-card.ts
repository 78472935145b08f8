import { escapeMarkdown, safeMarkdownLinks } from '../markdown'
import { type EscalationView, personLabel } from '../reply'
import type { DingTalkActionCard } from './api'
import { type DingTalkMarkdown, dingTalkCitation } from './markdown'

/**
 * An escalation as the DingTalk admins' group sees it. Robot messages cannot carry form fields or
 * be edited afterwards, so the card is an ActionCard: the question, who asked, why, the draft and
 * its sources, and Approve / Edit / Reject buttons that open the Worker's approval page inside
 * DingTalk (where the admin signs in with DingTalk and decides). The decision is then posted to
 * the group as a follow-up. Chinese labels for Chinese questions.
 */
const LABELS = {
  en: {
    heading: (id: number) => `Question for the policy team (#${id})`,
    title: 'Needs review',
    askedBy: 'Asked by',
    why: 'Why',
    department: 'Department',
    draft: 'Draft answer',
    noDraft: 'No draft: the documents do not answer it. Write the answer on the approval page.',
    sources: 'Sources',
    approve: 'Approve',
    edit: 'Edit and approve',
    reject: 'Reject',
    reasons: {
      abstain: 'the documents do not cover it',
      low_confidence: 'low confidence',
      ungrounded: 'the draft is not supported by the sources',
      asked: 'the asker asked for a human',
      feedback: 'the asker marked the answer not helpful',
    } as Record<string, string>,
    outcome: {
      approved: 'Approved',
      edited: 'Edited and approved',
      rejected: 'Rejected',
      expired: 'Expired',
    } as Record<string, string>,
    by: 'by',
    reason: 'Reason',
    reminder: (hours: number) => `⏰ **Reminder**: this question has been waiting ${hours} hours.`,
  },
  zh: {
    heading: (id: number) => `需要政策团队审核的问题（#${id}）`,
    title: '待审核',
    askedBy: '提问人',
    why: '原因',
    department: '部门',
    draft: '答案草稿',
    noDraft: '没有草稿：文档中找不到答案。请在审核页面中填写答案。',
    sources: '来源',
    approve: '批准',
    edit: '修改后批准',
    reject: '驳回',
    reasons: {
      abstain: '文档中没有相关内容',
      low_confidence: '置信度低',
      ungrounded: '草稿没有文档依据',
      asked: '提问人要求人工回答',
      feedback: '提问人认为答案没有帮助',
    } as Record<string, string>,
    outcome: { approved: '已批准', edited: '已修改并批准', rejected: '已驳回', expired: '已过期' } as Record<
      string,
      string
    >,
    by: '审核人',
    reason: '理由',
    reminder: (hours: number) => `⏰ **提醒**：此问题已等待 ${hours} 小时。`,
  },
} as const

const MAX_DRAFT = 3000

/** Chinese labels for Chinese questions, English for the rest. */
export const escalationLanguage = (e: EscalationView) => (e.language === 'zh' ? 'zh' : 'en')

/** A link that DingTalk opens inside the client (the PC sidebar; full screen on phones). */
export function inDingTalk(url: string): string {
  return `dingtalk://dingtalkclient/page/link?url=${encodeURIComponent(url)}&pc_slide=true`
}

/** Someone's words as an inert Markdown quote. */
const quote = (text: string) =>
  escapeMarkdown(text)
    .trim()
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n')

/** The card; `waitingHours` makes it a reminder (posted again, so its buttons are at hand). */
export function escalationActionCard(
  e: EscalationView,
  link: (action: 'approve' | 'edit' | 'reject') => string,
  waitingHours?: number,
): DingTalkActionCard {
  const language = escalationLanguage(e)
  const l = LABELS[language]
  const why = `${l.reasons[e.reason] ?? e.reason}${e.confidence !== null ? ` (${e.confidence.toFixed(2)})` : ''}`
  const parts = [
    ...(waitingHours !== undefined ? [l.reminder(waitingHours)] : []),
    `### ${l.heading(e.id)}`,
    quote(e.question),
    `**${l.askedBy}** ${escapeMarkdown(personLabel(e.asker, e.askerName))} · **${l.why}** ${escapeMarkdown(why)}${e.department ? ` · **${l.department}** ${escapeMarkdown(e.department)}` : ''}`,
  ]
  if (e.draft) {
    const draft = e.draft.length > MAX_DRAFT ? `${e.draft.slice(0, MAX_DRAFT - 1)}…` : e.draft
    parts.push(`**${l.draft}**`, safeMarkdownLinks(draft.trim()))
  } else {
    parts.push(`*${l.noDraft}*`)
  }
  if (e.citations.length) {
    parts.push(`**${l.sources}**\n\n${e.citations.map((c) => dingTalkCitation(c, language)).join('\n')}`)
  }
  return {
    title: `${l.title}: ${e.question.slice(0, 30)}`,
    text: parts.join('\n\n'),
    buttons: [
      ...(e.draft ? [{ title: l.approve, url: inDingTalk(link('approve')) }] : []),
      { title: l.edit, url: inDingTalk(link('edit')) },
      { title: l.reject, url: inDingTalk(link('reject')) },
    ],
  }
}

/** The follow-up in the admins' group once an escalation is decided. */
export function outcomeMarkdown(e: EscalationView): DingTalkMarkdown {
  const l = LABELS[escalationLanguage(e)]
  const outcome = l.outcome[e.status] ?? e.status
  const mark = e.status === 'rejected' ? '❌' : e.status === 'expired' ? '⌛' : '✅'
  const lines = [
    `${mark} **${outcome}** (#${e.id})${e.decidedBy ? ` · ${l.by} ${escapeMarkdown(e.decidedBy)}` : ''}`,
    quote(e.question),
  ]
  if (e.status === 'rejected' && e.rejectReason)
    lines.push(`**${l.reason}** ${escapeMarkdown(e.rejectReason)}`)
  if (e.status === 'edited' && e.finalAnswer) lines.push(safeMarkdownLinks(e.finalAnswer.trim()))
  return { title: `${outcome}: ${e.question.slice(0, 30)}`, text: lines.join('\n\n') }
}
