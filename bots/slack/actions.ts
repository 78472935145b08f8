import { actorOf } from '../../workers/audit/log'
import { feedback } from '../../workers/db/schema'
import { type Decision, decideEscalation, escalationView } from '../../workers/escalation/escalations'
import { isPolicyAdmin } from '../../workers/pipeline/admins'
import type { Services } from '../../workers/services'
import {
  ACTIONS,
  askHumanOffer,
  editModal,
  loadingModal,
  noticeModal,
  rejectModal,
  type SlackMessage,
  VIEWS,
} from './blocks'
import type { SlackInteraction } from './interactions'

/** What the interaction endpoint answers Slack with (within its 3-second window). */
export type InteractionResult = { status: 200; body?: unknown }

const STATUS_WORD: Record<string, string> = {
  approved: 'approved',
  edited: 'edited and approved',
  rejected: 'rejected',
  expired: 'expired',
}

/**
 * Handles a button press or modal submission. Decisions are applied here, synchronously, so the
 * admin who loses a race is told at once; the Slack posts that follow a decision are a queued
 * `deliver` job. Modals open here too: `trigger_id` is only valid for three seconds.
 */
export async function handleInteraction(svc: Services, i: SlackInteraction): Promise<InteractionResult> {
  if (i.kind === 'unsupported') return { status: 200 }
  const slack = svc.slack
  const ephemeral = async (
    channel: string | undefined,
    user: string,
    message: string | SlackMessage,
    threadTs?: string,
  ) => {
    if (!slack || !channel) return
    const m = typeof message === 'string' ? { text: message, blocks: [] } : message
    await slack.call('chat.postEphemeral', {
      channel,
      user,
      text: m.text,
      ...(m.blocks.length ? { blocks: m.blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    })
  }

  if (i.kind === 'action') {
    switch (i.actionId) {
      case ACTIONS.feedback: {
        const [vote, id] = i.value.split(':')
        const questionId = Number(id)
        if (!Number.isInteger(questionId) || (vote !== 'up' && vote !== 'down')) return { status: 200 }
        const helpful = vote === 'up'
        await svc.db
          .insert(feedback)
          .values({ questionId, voter: i.user, helpful })
          .onConflictDoUpdate({
            target: [feedback.questionId, feedback.voter],
            set: { helpful, at: new Date() },
          })
        if (!helpful) await ephemeral(i.channel, i.user, askHumanOffer(questionId), i.threadTs)
        return { status: 200 }
      }
      case ACTIONS.askHuman: {
        const questionId = Number(i.value)
        if (!Number.isInteger(questionId)) return { status: 200 }
        await svc.env.JOBS.send({ type: 'escalate', questionId, reason: 'asked', by: i.user })
        return { status: 200 }
      }
      case ACTIONS.approve:
      case ACTIONS.edit:
      case ACTIONS.reject: {
        const escalationId = Number(i.value)
        if (!Number.isInteger(escalationId)) return { status: 200 }
        // Edit and Reject open a modal, which must happen within trigger_id's 3 seconds: a
        // loading one opens first, before the admin check (a user-group lookup) and the database.
        const title = i.actionId === ACTIONS.edit ? 'Edit & approve' : 'Reject'
        let modal: string | undefined
        if (i.actionId !== ACTIONS.approve && slack) {
          const opened = await slack.call('views.open', {
            trigger_id: i.triggerId,
            view: loadingModal(title),
          })
          modal = (opened.view as { id?: string } | undefined)?.id
        }
        const tell = async (text: string) => {
          if (modal && slack)
            await slack.call('views.update', { view_id: modal, view: noticeModal(title, text) })
          else await ephemeral(i.channel, i.user, text, i.threadTs)
        }
        if (!(await isPolicyAdmin(svc, { platform: 'slack', user: i.user }))) {
          await tell('Only policy admins can approve, edit or reject answers.')
          return { status: 200 }
        }
        const view = await escalationView(svc.db, escalationId)
        if (!view) {
          await tell('This escalation no longer exists.')
          return { status: 200 }
        }
        if (view.status !== 'open') {
          await tell(alreadyText(view.status, view.decidedBy))
          return { status: 200 }
        }
        if (i.actionId === ACTIONS.approve) {
          await decide(svc, escalationId, { status: 'approved', by: i.user }, (t) =>
            ephemeral(i.channel, i.user, t, i.threadTs),
          )
          return { status: 200 }
        }
        if (!slack || !modal) return { status: 200 }
        await slack.call('views.update', {
          view_id: modal,
          view: i.actionId === ACTIONS.edit ? editModal(view) : rejectModal(view),
        })
        return { status: 200 }
      }
      default:
        return { status: 200 }
    }
  }

  // view_submission
  const escalationId = Number(i.privateMetadata)
  if (!Number.isInteger(escalationId)) return { status: 200 }
  if (i.callbackId !== VIEWS.edit && i.callbackId !== VIEWS.reject) return { status: 200 }
  if (!(await isPolicyAdmin(svc, { platform: 'slack', user: i.user }))) {
    const block = i.callbackId === VIEWS.edit ? 'answer' : 'reason'
    return {
      status: 200,
      body: { response_action: 'errors', errors: { [block]: 'Only policy admins can do this.' } },
    }
  }
  if (i.callbackId === VIEWS.edit) {
    const text = (i.values.answer ?? '').trim()
    if (!text)
      return {
        status: 200,
        body: { response_action: 'errors', errors: { answer: 'The answer cannot be empty.' } },
      }
    let lost: string | undefined
    await decide(svc, escalationId, { status: 'edited', by: i.user, answer: text }, async (t) => {
      lost = t
    })
    return lost
      ? { status: 200, body: { response_action: 'errors', errors: { answer: lost } } }
      : { status: 200, body: { response_action: 'clear' } }
  }
  const reason = (i.values.reason ?? '').trim() || null
  let lost: string | undefined
  await decide(svc, escalationId, { status: 'rejected', by: i.user, reason }, async (t) => {
    lost = t
  })
  return lost
    ? { status: 200, body: { response_action: 'errors', errors: { reason: lost } } }
    : { status: 200, body: { response_action: 'clear' } }
}

async function decide(svc: Services, id: number, d: Decision, tellLoser: (text: string) => Promise<void>) {
  // Slack records decisions under the admin's user id, which is also who they are in the audit log.
  const { won, row } = await decideEscalation(svc.db, id, d, actorOf({ platform: 'slack', user: d.by }))
  if (!won) {
    await tellLoser(alreadyText(row?.status ?? 'open', row?.decidedBy ?? null))
    return
  }
  await svc.env.JOBS.send({ type: 'deliver', escalationId: id })
}

function alreadyText(status: string, by: string | null | undefined): string {
  return `This question was already ${STATUS_WORD[status] ?? status}${by ? ` by <@${by}>` : ''}.`
}
