import { type Markup, type ParkedNotice, plainMarkup } from './platform'

/**
 * What the core says to people, in English and Chinese, written once for every platform. A
 * message that carries someone's words takes the platform's `Markup`, so those words stay inert
 * in whichever sink shows them; the rest is plain text that every sink shows as written.
 */
export type Language = 'en' | 'zh'

const lang = (language: string): Language => (language === 'zh' ? 'zh' : 'en')

const TEXT = {
  holding: {
    en: "I've asked the policy team. I'll reply in this thread as soon as one of them answers.",
    zh: '我已将您的问题转交政策团队，他们答复后我会在此回复您。',
  },
  escalatedOnRequest: {
    en: "I've asked the policy team to check this answer. I'll post their reply in this thread.",
    zh: '我已请政策团队核实这个答案，他们答复后我会在此回复您。',
  },
  parked: {
    en: "Sorry, I couldn't answer this just now. The policy team has been told and will follow up.",
    zh: '抱歉，我暂时无法回答这个问题。已通知政策团队，他们会跟进。',
  },
  cutOff: {
    en: '(The answer was cut off; here are the quoted passages instead.)',
    zh: '（生成的答案中断了，以下是文档原文摘录。）',
  },
  tooLong: {
    en: 'Sorry, that question is too long for me (over {max} characters). Please ask it in a few sentences.',
    zh: '抱歉，这个问题太长了（超过 {max} 个字符）。请用几句话重新提问。',
  },
  tooFast: {
    en: "You're asking faster than I can answer well. Please wait a minute, then ask again.",
    zh: '您提问的速度太快了，请稍等一分钟后再问。',
  },
  outsider: {
    en: 'Sorry, I can only answer questions from members of this organisation.',
    zh: '抱歉，我只能回答本组织成员的问题。',
  },
  busy: {
    en: 'I have too many questions from this workspace right now. Please ask again in a minute.',
    zh: '目前来自本工作区的问题过多，请一分钟后再问。',
  },
  uploadRefused: {
    en: "Sorry, only the policy team can add handbooks. If this document should be answerable, send it to them (they're listed as policy admins).",
    zh: '抱歉，只有政策团队可以添加手册。如需让这份文档可供查询，请发送给他们（即政策管理员）。',
  },
} as const

/** The holding reply while the policy team checks; `before` is what the bot said first, if anything. */
export function holdingText(language: string, before?: string): string {
  const text = TEXT.holding[lang(language)]
  return before ? `${before}\n\n${text}` : text
}

/** Said when the asker asked for a human (or marked an answer unhelpful and then asked). */
export const escalatedOnRequestText = (language: string) => TEXT.escalatedOnRequest[lang(language)]

/** Said to the asker of a question whose job was parked. */
export const parkedText = (language: string) => TEXT.parked[lang(language)]

/** Said when generation failed mid-stream and the answer falls back to quotation. */
export const cutOffText = (language: string) => TEXT.cutOff[lang(language)]

export const uploadRefusedText = (language: string) => TEXT.uploadRefused[lang(language)]

/**
 * Said to the asker when the policy team rejected the question, with the admin's note made inert
 * for the sink (`m`; plain for the ledger).
 */
export function rejectionText(language: string, note: string | null, m: Markup = plainMarkup): string {
  const reason = note === null ? null : m.escape(note)
  return lang(language) === 'zh'
    ? `抱歉，政策团队无法通过此渠道回答这个问题。${reason ? `原因：${reason}` : ''}`
    : `Sorry — the policy team couldn't answer this one here.${reason ? ` Their note: ${reason}` : ''} You may want to ask your manager or HR directly.`
}

/** The reminder in an admin place about an escalation still open. */
export const reminderText = (hours: number) =>
  `Reminder: this question has been waiting ${hours} hour${hours === 1 ? '' : 's'}. Approve, edit or reject it above.`

/**
 * The admins' alert about a parked job: who asked what (made inert), after how many attempts,
 * and why. `person` renders the asker the platform's way (a mention where the id is its own).
 */
export function parkedAlertText(
  n: ParkedNotice,
  m: Markup,
  person: (id: string, name: string | null) => string,
): string {
  const why = `after ${n.attempts} attempts (${m.escape(n.error)})`
  return n.question
    ? `A question from ${person(n.question.asker, n.question.askerName)} could not be answered ${why}: “${m.escape(n.question.text)}”`
    : `A ${m.escape(n.kind)} job was parked ${why}.`
}

/** One line of the reply to a handbook upload. */
export type UploadOutcome =
  | { file: string; ok: true; title: string; what: string; status: string }
  | { file: string; ok: false; why: string }

export function uploadReportText(outcomes: UploadOutcome[], m: Markup): string {
  return outcomes
    .map((o) =>
      o.ok
        ? `✅ ${m.bold(m.escape(o.file))} — “${m.escape(o.title)}”: ${o.what}; ${o.status}. It is answerable now.`
        : `❌ ${m.bold(m.escape(o.file))}: ${m.escape(o.why.replace(/\.?$/, '.'))} Nothing was stored.`,
    )
    .join('\n')
}

/** Why a question is not answered at all, said to its asker in place of an answer. */
export type Refusal =
  | { kind: 'too_long'; max: number }
  | { kind: 'too_fast' }
  | { kind: 'busy' }
  | { kind: 'outsider' }

export function refusalText(language: string, r: Refusal): string {
  if (r.kind === 'too_long')
    return TEXT.tooLong[lang(language)].replace('{max}', r.max.toLocaleString('en-US'))
  return { too_fast: TEXT.tooFast, busy: TEXT.busy, outsider: TEXT.outsider }[r.kind][lang(language)]
}
