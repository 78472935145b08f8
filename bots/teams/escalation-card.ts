import { escapeMarkdown, safeMarkdownLinks } from '../markdown'
import { type EscalationView, personLabel } from '../reply'
import { type AdaptiveCard, citationText } from './cards'

/**
 * An escalation as the Teams admin channel sees it: the question, who asked, why, the draft and
 * sources; Approve (the draft as it is), Edit (the draft in a field, then Save and approve) and
 * Reject (with a reason) as Universal Actions. Once decided, the card shows the outcome instead, for
 * everyone, because the bot updates the message.
 */
const REASONS: Record<string, string> = {
  abstain: 'The documents do not cover it',
  low_confidence: 'The answer was uncertain',
  ungrounded: 'The draft was not supported by the sources',
  asked: 'The asker asked for a human',
  feedback: 'The asker marked the answer unhelpful',
}

const OUTCOME: Record<string, string> = {
  approved: 'Approved',
  edited: 'Edited and approved',
  rejected: 'Rejected',
  expired: 'Expired',
}

export function escalationCard(e: EscalationView): AdaptiveCard {
  const body: Array<Record<string, unknown>> = [
    {
      type: 'TextBlock',
      text: `Question for the policy team (#${e.id})`,
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
    },
    // TextBlocks render Markdown: someone's words are escaped, drafts keep only allowed links.
    { type: 'TextBlock', text: escapeMarkdown(e.question), wrap: true },
    {
      type: 'TextBlock',
      text: `Asked by ${escapeMarkdown(personLabel(e.asker, e.askerName))} · ${REASONS[e.reason] ?? e.reason}${e.department ? ` · Department: ${escapeMarkdown(e.department)}` : ''}`,
      isSubtle: true,
      wrap: true,
      size: 'Small',
    },
  ]
  if (e.citations.length) {
    body.push({
      type: 'TextBlock',
      text: e.citations.map((c) => citationText(c, 'en')).join('\n\n'),
      isSubtle: true,
      wrap: true,
      size: 'Small',
    })
  }
  if (e.status !== 'open') {
    const by = e.decidedBy ? ` by ${escapeMarkdown(e.decidedBy)}` : ''
    const detail = e.status === 'rejected' && e.rejectReason ? `: ${escapeMarkdown(e.rejectReason)}` : ''
    body.push({
      type: 'TextBlock',
      text: `${OUTCOME[e.status] ?? e.status}${by}${detail}`,
      weight: 'Bolder',
      wrap: true,
    })
    if (e.status !== 'rejected' && (e.finalAnswer ?? e.draft)) {
      body.push({ type: 'TextBlock', text: safeMarkdownLinks(e.finalAnswer ?? e.draft ?? ''), wrap: true })
    }
    return card(body)
  }
  if (e.draft) {
    body.push(
      { type: 'TextBlock', text: 'Draft answer', weight: 'Bolder', wrap: true },
      { type: 'TextBlock', text: safeMarkdownLinks(e.draft), wrap: true },
    )
  }
  const execute = (title: string, verb: string, style?: string) => ({
    type: 'Action.Execute',
    title,
    verb,
    data: { escalationId: e.id },
    ...(style ? { style } : {}),
  })
  // Approve takes the draft as it is; Edit and Reject open a form under the card (ShowCard) whose
  // button sends the field with the action.
  const showCard = (title: string, input: Record<string, unknown>, submit: Record<string, unknown>) => ({
    type: 'Action.ShowCard',
    title,
    card: card([input], [submit]),
  })
  return card(body, [
    ...(e.draft ? [execute('Approve', 'approve', 'positive')] : []),
    showCard(
      e.draft ? 'Edit' : 'Write the answer',
      {
        type: 'Input.Text',
        id: 'answer',
        label: 'Answer',
        isMultiline: true,
        value: e.draft ?? '',
        isRequired: true,
      },
      execute('Save and approve', 'approve', 'positive'),
    ),
    showCard(
      'Reject',
      { type: 'Input.Text', id: 'reason', label: 'Reason (shown to the asker)', isMultiline: true },
      execute('Reject', 'reject', 'destructive'),
    ),
  ])
}

function card(body: Array<Record<string, unknown>>, actions?: Array<Record<string, unknown>>): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body,
    ...(actions ? { actions } : {}),
  }
}
