import { type AnswerReply, type EscalationView, personLabel, type ReplyCitation } from '../reply'
import { escapeText, fallbackText, slackLink, toMrkdwn } from './mrkdwn'

/**
 * Block Kit rendering, pure: the same input always gives the same message. Slack's limits are
 * enforced here: section text ≤ 3,000 characters, ≤ 50 blocks, fallback `text` ≤ 4,000.
 */

export type Block = Record<string, unknown>
export interface SlackMessage {
  text: string
  blocks: Block[]
}

export const SECTION_LIMIT = 3000
const MAX_BLOCKS = 50

/** Action ids the interaction handler dispatches on. */
export const ACTIONS = {
  feedback: 'answer_feedback',
  askHuman: 'answer_ask_human',
  approve: 'escalation_approve',
  edit: 'escalation_edit',
  reject: 'escalation_reject',
} as const

export const VIEWS = { edit: 'escalation_edit', reject: 'escalation_reject' } as const

/**
 * Splits text into pieces of at most `limit` characters, preferring paragraph, then line, then
 * sentence, then word boundaries; never loses a character.
 */
export function splitText(text: string, limit = SECTION_LIMIT): string[] {
  const out: string[] = []
  let rest = text.trim()
  while (rest.length > limit) {
    const window = rest.slice(0, limit)
    let cut = -1
    for (const sep of ['\n\n', '\n', '. ', '。', ' ']) {
      const at = window.lastIndexOf(sep)
      if (at > limit * 0.3) {
        cut = at + sep.length
        break
      }
    }
    if (cut <= 0) cut = limit
    out.push(rest.slice(0, cut).trimEnd())
    rest = rest.slice(cut).trimStart()
  }
  if (rest) out.push(rest)
  return out
}

/** `[1] Title › Section (p. 3, updated 2026-03-14)`, linked when the source has a URL that may be shown. */
export function citationLine(c: ReplyCitation): string {
  const label = slackLink(c.url, [c.title, ...c.headingPath].join(' › '))
  const page = c.page !== null ? `p. ${c.page}, ` : ''
  return `[${c.n}] ${label} (${page}updated ${c.updated})`
}

function sections(text: string): Block[] {
  return splitText(toMrkdwn(text)).map((t) => ({ type: 'section', text: { type: 'mrkdwn', text: t } }))
}

function sourcesBlocks(citations: ReplyCitation[]): Block[] {
  if (!citations.length) return []
  const lines = citations.map(citationLine)
  // A context block holds at most 10 elements; each element's text ≤ 3,000 characters.
  return [
    {
      type: 'context',
      elements: splitText(lines.join('\n'))
        .slice(0, 10)
        .map((t) => ({ type: 'mrkdwn', text: t })),
    },
  ]
}

const MODE_NOTE: Record<string, Record<string, string>> = {
  extractive: {
    en: 'Quoted from the documents (no summary was generated).',
    zh: '以下内容直接摘自公司文档（未生成摘要）。',
  },
}

/** The answer to a question: text, numbered sources, feedback and "Ask a human". */
export function answerMessage(reply: AnswerReply): SlackMessage {
  const blocks: Block[] = []
  if (reply.mode === 'approved' && reply.approval) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:white_check_mark: Answer approved by ${slackPerson(reply.approval.by)} on ${reply.approval.at.slice(0, 10)}`,
        },
      ],
    })
  }
  const note = MODE_NOTE[reply.mode]
  if (note)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: note[reply.language] ?? note.en }] })
  blocks.push(...sections(reply.text))
  blocks.push(...answerFooter(reply))
  return { text: fallbackText(reply.text), blocks: capBlocks(blocks) }
}

function askHumanButton(questionId: number): Block {
  return {
    type: 'button',
    action_id: ACTIONS.askHuman,
    text: { type: 'plain_text', text: 'Ask a human' },
    value: String(questionId),
  }
}

/** Shown (ephemerally) after a thumbs-down: the way to a person. */
export function askHumanOffer(questionId: number): SlackMessage {
  const text = 'Thanks for telling me. Want someone from the policy team to look at it?'
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'actions', elements: [askHumanButton(questionId)] },
    ],
  }
}

/**
 * What follows an answer's text: its numbered sources, feedback buttons and "Ask a human" (also
 * the blocks a streamed answer is finalized with).
 */
export function answerFooter(reply: AnswerReply): Block[] {
  const blocks = sourcesBlocks(reply.citations)
  if (!reply.actions) return blocks
  blocks.push({
    type: 'context_actions',
    elements: [
      {
        type: 'feedback_buttons',
        action_id: ACTIONS.feedback,
        positive_button: { text: { type: 'plain_text', text: 'Helpful' }, value: `up:${reply.questionId}` },
        negative_button: {
          text: { type: 'plain_text', text: 'Not helpful' },
          value: `down:${reply.questionId}`,
        },
      },
    ],
  })
  blocks.push({
    type: 'actions',
    block_id: `answer_actions_${reply.questionId}`,
    elements: [askHumanButton(reply.questionId)],
  })
  return blocks
}

/** The admin-channel message for an escalation: question, asker, draft, sources and buttons. */
export function escalationMessage(e: EscalationView): SlackMessage {
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: `Question for the policy team (#${e.id})` } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: splitText(
          `*${slackPerson(e.asker, e.askerName)} asked in ${channelRef(e.channel)}:*\n>${escapeText(e.question)}`,
        )[0],
      },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Why: ${REASONS[e.reason] ?? e.reason}${e.confidence !== null ? ` · confidence ${e.confidence.toFixed(2)}` : ''}${e.department ? ` · Department: ${escapeText(e.department)}` : ''}`,
        },
      ],
    },
  ]
  if (e.draft) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '*Draft answer:*' } })
    blocks.push(...sections(e.draft))
    blocks.push(...sourcesBlocks(e.citations))
  } else {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: '_No draft: the documents do not cover this._' },
    })
  }
  if (e.status === 'open') {
    const value = String(e.id)
    blocks.push({
      type: 'actions',
      block_id: `escalation_${e.id}`,
      elements: [
        ...(e.draft
          ? [
              {
                type: 'button',
                style: 'primary',
                action_id: ACTIONS.approve,
                text: { type: 'plain_text', text: 'Approve' },
                value,
              },
            ]
          : []),
        {
          type: 'button',
          action_id: ACTIONS.edit,
          text: { type: 'plain_text', text: e.draft ? 'Edit & approve' : 'Write answer' },
          value,
        },
        {
          type: 'button',
          style: 'danger',
          action_id: ACTIONS.reject,
          text: { type: 'plain_text', text: 'Reject' },
          value,
        },
      ],
    })
  } else {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: outcomeLine(e) }] })
  }
  return {
    text: `Question for the policy team from ${slackPerson(e.asker, e.askerName)}: ${fallbackText(e.question)}`,
    blocks: capBlocks(blocks),
  }
}

const REASONS: Record<string, string> = {
  abstain: 'the documents do not cover it',
  low_confidence: 'low confidence',
  ungrounded: 'the draft cites no source',
  asked: 'the asker asked for a human',
  feedback: 'the asker marked the answer not helpful',
}

/** One line saying what happened to an escalation. */
export function outcomeLine(e: EscalationView): string {
  switch (e.status) {
    case 'approved':
      return `:white_check_mark: Approved by ${slackPerson(e.decidedBy)}`
    case 'edited':
      return `:pencil2: Edited and approved by ${slackPerson(e.decidedBy)}`
    case 'rejected':
      return `:no_entry_sign: Rejected by ${slackPerson(e.decidedBy)}${e.rejectReason ? `: ${escapeText(e.rejectReason)}` : ''}`
    case 'expired':
      return ':hourglass: Expired'
    default:
      return 'Open'
  }
}

/** A modal about one escalation: its id travels in `private_metadata` to the submission. */
function escalationModal(
  callbackId: string,
  e: EscalationView,
  title: string,
  submit: string,
  blocks: Block[],
): Block {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: String(e.id),
    title: { type: 'plain_text', text: title },
    submit: { type: 'plain_text', text: submit },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  }
}

/** One multi-line text input; its block id and action id are `id`. */
function textInput(
  id: string,
  label: string,
  maxLength: number,
  options: { optional?: boolean; initialValue?: string | undefined } = {},
): Block {
  return {
    type: 'input',
    block_id: id,
    ...(options.optional ? { optional: true } : {}),
    label: { type: 'plain_text', text: label },
    element: {
      type: 'plain_text_input',
      action_id: id,
      multiline: true,
      max_length: maxLength,
      ...(options.initialValue !== undefined ? { initial_value: options.initialValue } : {}),
    },
  }
}

/** The modal an admin edits the draft in (opened within the 3-second trigger window). */
export function editModal(e: EscalationView): Block {
  return escalationModal(VIEWS.edit, e, 'Edit & approve', 'Approve', [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*Question:* ${escapeText(e.question).slice(0, 2900)}` },
    },
    textInput('answer', 'Answer (its [n] markers pick the sources it cites)', 3000, {
      initialValue: e.draft?.slice(0, 3000),
    }),
  ])
}

/**
 * The modal opened at once when an admin presses Edit or Reject: `trigger_id` lasts three seconds,
 * and checking the admin and reading the escalation may take longer. It becomes the real modal
 * (or a notice) with `views.update`.
 */
export function loadingModal(title: string): Block {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: ':hourglass_flowing_sand: Loading the escalation…' } },
    ],
  }
}

/**
 * A modal that only says something (refused, already decided); it has no submit button. `text` is
 * our own mrkdwn (it may mention the admin who decided), never a person's words.
 */
export function noticeModal(title: string, text: string): Block {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 2900) } }],
  }
}

/** The modal asking why an escalation is rejected (the reason is optional). */
export function rejectModal(e: EscalationView): Block {
  return escalationModal(VIEWS.reject, e, 'Reject', 'Reject', [
    textInput('reason', 'Reason (shown to the asker)', 1000, { optional: true }),
  ])
}

function capBlocks(blocks: Block[]): Block[] {
  return blocks.length <= MAX_BLOCKS
    ? blocks
    : [...blocks.slice(0, MAX_BLOCKS - 1), blocks[blocks.length - 1] as Block]
}

/**
 * A person in Slack text: a mention for a Slack user id, the plain (escaped) name otherwise:
 * questions and decisions also come from Teams and DingTalk, whose ids Slack cannot resolve.
 */
export function slackPerson(id: string | null | undefined, name?: string | null): string {
  if (!id) return 'someone'
  return /^[UW][A-Z0-9]{4,}$/.test(id) ? `<@${id}>` : escapeText(personLabel(id, name))
}

/** A Slack channel as a link; a Teams or DingTalk conversation (or the web page) by kind. */
function channelRef(channel: string): string {
  return /^[CDG][A-Z0-9]{6,}$/.test(channel) ? `<#${channel}>` : 'a chat on another platform'
}
