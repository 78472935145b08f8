import type { AnswerReply } from '../../bots/reply'
import { answer, questionLanguage } from '../answering/answer'
import type { Answer } from '../answering/types'
import { findApproved } from '../approved/store'
import { audiencesOf } from '../audiences/resolve'
import { SYSTEM_ACTOR } from '../audit/log'
import { isTooLong, MAX_QUESTION_CHARS } from '../conversations/limits'
import {
  claimQuestion,
  markAnswered,
  markRefused,
  type QuestionRow,
  questionById,
  recordPosted,
  threadHistory,
} from '../conversations/questions'
import { channelDepartment } from '../departments/departments'
import { messageOf, retryAdvice } from '../errors'
import { type EscalationReason, openEscalation, openEscalationOf } from '../escalation/escalations'
import { joinOpenEscalation } from '../escalation/join'
import { isFollowUp } from '../knowledge/search/follow-up'
import { cutOffText, holdingText, type Refusal, refusalText } from '../messages'
import { plainMarkup, type ReplyVia } from '../platform'
import type { Services } from '../services'
import { departmentChat } from './department-chat'
import { notifyAdmins } from './notify-admins'
import { outboxFor, placeOf } from './places'

/**
 * How long one job holds a question (generation included); a job killed mid-answer lets go when
 * it ends, and the cron's sweep re-queues the question later.
 */
const CLAIM_SECONDS = 300

/**
 * Answers one question from the ledger: an approved answer that means the same is reused at once;
 * otherwise the knowledge core answers, and when it abstains or its draft fails the checks the
 * question goes to the policy team (holding reply to the asker, escalation to the admins).
 * Idempotent: a question already answered is left alone, so queue retries are safe; one already
 * escalated only has its admin notices completed.
 */
export async function answerQuestion(
  svc: Services,
  questionId: number,
  options: { replyVia?: ReplyVia; refusal?: 'outsider' } = {},
): Promise<Answer | undefined> {
  const q = await questionById(svc.db, questionId)
  if (!q) return undefined
  if (q.status === 'escalated') {
    // A retry after the holding reply: the admins may not all have been told (a platform failed
    // mid-way). Each admin place remembers its post, so only the missing ones are sent.
    const open = await openEscalationOf(svc.db, questionId)
    if (open) await notifyAdmins(svc, open.id)
    return undefined
  }
  if (q.status !== 'queued') return undefined
  // Another job holds it (the cron re-queued a question still being answered): that one answers.
  if (!(await claimQuestion(svc.db, questionId, CLAIM_SECONDS))) return undefined
  const place = placeOf(q)
  const outbox = outboxFor(svc, place, options.replyVia)
  const markup = svc.platforms.get(place.platform)?.markup ?? plainMarkup
  const history = await threadHistory(svc.db, q)
  // An earlier attempt put a message in front of the asker and then failed: this attempt finishes
  // that message instead of posting a second answer (where the platform can edit messages).
  const earlier = q.answerTs && outbox.replace ? q.answerTs : undefined
  // A message that cannot be edited any more (deleted, too old) is not a reason to leave the
  // asker without an answer: it is posted anew.
  const replaced = async (content: { reply: AnswerReply } | { text: string }): Promise<boolean> => {
    if (!earlier || !outbox.replace) return false
    try {
      await outbox.replace(place, earlier, content)
      return true
    } catch (e) {
      if (retryAdvice(e).retryable) throw e
      svc.warn(
        `question ${questionId}: the earlier message could not be replaced (${messageOf(e)}); posting anew`,
      )
      return false
    }
  }
  const replyWith = async (reply: AnswerReply): Promise<string | undefined> =>
    (await replaced({ reply })) ? earlier : outbox.answer(place, reply)
  const noteWith = async (text: string): Promise<string | undefined> =>
    (await replaced({ text })) ? earlier : outbox.text(place, text)
  const refusal: Refusal | undefined = options.refusal ? { kind: options.refusal } : await refusalOf(svc, q)
  if (refusal) {
    const told = refusalText(questionLanguage(q.text), refusal)
    await markRefused(svc.db, questionId, told, await noteWith(told))
    return undefined
  }
  // Which restricted documents this answer may use: the asker's audiences in a private chat,
  // the place's own in a channel (everyone there reads the answer).
  const audiences = await audiencesOf(svc, q)
  const departments = svc.config.departments
  const fromChannel = channelDepartment(departments, q.platform, q.channel)
  if (q.trigger === 'assistant') {
    // A status line is a nicety: failing to show it must not stop the answer.
    await outbox.working?.(place).catch((e: unknown) => svc.warn(`status not shown: ${String(e)}`))
  }

  if (!isFollowUp(q.text, history)) {
    const approved = await findApproved(svc.db, svc.embedder, q.text, { audiences })
    if (approved) {
      const a: Answer = {
        mode: 'approved',
        text: approved.answer,
        citations: approved.citations,
        confidence: approved.match.score,
        escalate: false,
        language: questionLanguage(q.text),
        searchedQuestion: q.text,
        passages: [],
        approval: { id: approved.id, by: approved.approvedBy, at: approved.approvedAt.toISOString() },
        ...(fromChannel
          ? { department: { name: fromChannel.name, by: 'channel' as const } }
          : approved.department
            ? { department: { name: approved.department, by: 'documents' as const } }
            : {}),
      }
      const ts = await replyWith(replyOf(questionId, a))
      await markAnswered(svc.db, questionId, a, 'answered', ts)
      return a
    }
  }

  // Generated answers stream into the thread as they are written, where the platform can; the
  // first visible message is recorded at once.
  const stream =
    svc.chat && !earlier
      ? outbox.stream?.(place, q.asker, {
          onPosted: (id) => recordPosted(svc.db, questionId, id),
          warn: (m) => svc.warn(`question ${questionId}: ${m}`),
        })
      : undefined
  const a = await answer(
    {
      db: svc.db,
      embedder: svc.embedder,
      ...(svc.chat ? { chat: svc.chat } : {}),
      ...(svc.config.abstainBelow !== undefined ? { abstainBelow: svc.config.abstainBelow } : {}),
      warn: svc.warn,
      audiences,
      ...(departments.length
        ? {
            departments: {
              all: departments,
              ...(fromChannel ? { fromChannel } : {}),
              chatFor: (d) => departmentChat(svc, d, questionId),
            },
          }
        : {}),
      ...(stream ? { onText: (t: string) => stream.update(t) } : {}),
    },
    q.text,
    history,
  )
  if (a.mode === 'abstain' || a.escalate) {
    const reason: EscalationReason =
      a.mode === 'abstain' ? (a.passages.length ? 'low_confidence' : 'abstain') : 'ungrounded'
    // Admins get a draft to approve whenever retrieval found anything: the ungrounded generation,
    // or the core's quotation of the best passages.
    const draft = a.mode === 'abstain' ? a.draft : { text: a.text, citations: a.citations }
    // The same question already with the team: this asker waits on that decision too.
    const joined = await joinOpenEscalation(svc.db, q, SYSTEM_ACTOR)
    const { row, created } = joined
      ? { row: joined, created: false }
      : await openEscalation(svc.db, {
          questionId,
          reason,
          draft: draft?.text ?? null,
          citations: draft?.citations ?? [],
          confidence: a.confidence,
          actor: SYSTEM_ACTOR,
        })
    const holding = holdingText(a.language, a.mode === 'abstain' ? a.text : undefined)
    // A streamed draft that failed the checks stays visible, marked, with the holding note.
    let ts: string | undefined
    if (stream?.started) await stream.abandon(markup.italic(holding))
    else ts = await noteWith(holding)
    await markAnswered(svc.db, questionId, { ...a, text: holding, citations: [] }, 'escalated', ts)
    if (!joined && (created || !row.adminTs)) await notifyAdmins(svc, row.id)
    return a
  }
  let ts: string | undefined
  if (stream?.started && a.mode === 'generated') ts = await stream.finish(replyOf(questionId, a))
  else {
    // The model failed mid-stream and the answer fell back to quotation: say so, then post it.
    if (stream?.started) await stream.abandon(markup.italic(cutOffText(a.language)))
    ts = stream?.started
      ? await outbox.answer(place, replyOf(questionId, a))
      : await replyWith(replyOf(questionId, a))
  }
  await markAnswered(svc.db, questionId, a, 'answered', ts)
  return a
}

/**
 * Why a question gets a polite refusal instead of an answer: over the length cap, or its asker
 * (or its whole workspace) asking faster than the configured rates. The rates live in the
 * workspace's rate budget; if that cannot be asked, the question is answered.
 */
async function refusalOf(svc: Services, q: QuestionRow): Promise<Refusal | undefined> {
  if (isTooLong(q.text)) return { kind: 'too_long', max: MAX_QUESTION_CHARS }
  if (!svc.budget) return undefined
  const scope = `questions:${q.platform}:${q.team}`
  const { perUser, perWorkspace } = svc.config.questionRates
  if (!(await svc.budget.take(scope, `user:${q.asker}`, perUser, 60_000, 'grant')))
    return { kind: 'too_fast' }
  if (!(await svc.budget.take(scope, 'workspace', perWorkspace, 60_000, 'grant'))) return { kind: 'busy' }
  return undefined
}

/** The adapter-neutral reply for an answer. */
export function replyOf(questionId: number, a: Answer): AnswerReply {
  return {
    questionId,
    mode: a.mode,
    text: a.text,
    citations: a.citations,
    language: a.language,
    ...(a.approval ? { approval: { by: a.approval.by, at: a.approval.at } } : {}),
    actions: a.mode !== 'abstain',
  }
}
