import { type EscalationView, personLabel } from '../reply'
import { type AdaptiveCard, citationText } from './cards'

/**
 * An escalation as the Teams admin channel sees it: the question, who asked, why, the draft in an
 * editable field and sources; Approve (with whatever the admin changed in the draft) and Reject
 * (with a reason) as Universal Actions. Once decided, the card shows the outcome instead, for
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
    { type: 'TextBlock', text: e.question, wrap: true },
    {
      type: 'TextBlock',
      text: `Asked by ${personLabel(e.asker, e.askerName)} · ${REASONS[e.reason] ?? e.reason}`,
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
    const by = e.decidedBy ? ` by ${e.decidedBy}` : ''
    const detail = e.status === 'rejected' && e.rejectReason ? `: ${e.rejectReason}` : ''
    body.push({
      type: 'TextBlock',
      text: `${OUTCOME[e.status] ?? e.status}${by}${detail}`,
      weight: 'Bolder',
      wrap: true,
    })
    if (e.status !== 'rejected' && (e.finalAnswer ?? e.draft)) {
      body.push({ type: 'TextBlock', text: e.finalAnswer ?? e.draft ?? '', wrap: true })
    }
    return card(body)
  }
  body.push(
    {
      type: 'Input.Text',
      id: 'answer',
      label: 'Answer (edit before approving)',
      isMultiline: true,
      value: e.draft ?? '',
    },
    { type: 'Input.Text', id: 'reason', label: 'Reason, if you reject', isMultiline: false },
  )
  return card(body, [
    {
      type: 'Action.Execute',
      title: 'Approve',
      verb: 'approve',
      data: { escalationId: e.id },
      style: 'positive',
    },
    {
      type: 'Action.Execute',
      title: 'Reject',
      verb: 'reject',
      data: { escalationId: e.id },
      style: 'destructive',
    },
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
