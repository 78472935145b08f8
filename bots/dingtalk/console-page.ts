import { safeLink } from '../links'
import { type EscalationView, personLabel } from '../reply'
import { escalationLanguage } from './escalation-card'

/**
 * The DingTalk approval page: what an admin sees after pressing Approve, Edit or Reject on an
 * escalation's ActionCard (inside DingTalk, on a phone or in the PC sidebar). Server-rendered, no
 * script: the question, the draft in an editable field, the sources, and Approve / Reject as one
 * form posted back with a token bound to the admin and the escalation. Every value is escaped.
 */
const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string,
  )

const T = {
  en: {
    title: 'Policy question review',
    askedBy: 'Asked by',
    draft: 'Answer (edit it before approving if needed)',
    reason: 'Reason for rejecting (optional, shown to the asker)',
    approve: 'Approve',
    reject: 'Reject',
    sources: 'Sources',
    signedIn: 'Signed in as',
    decided: (status: string, by: string) => `Already ${status}${by ? ` by ${by}` : ''}.`,
  },
  zh: {
    title: '政策问题审核',
    askedBy: '提问人',
    draft: '答案（如需修改，请在批准前编辑）',
    reason: '驳回理由（可选，提问人可见）',
    approve: '批准',
    reject: '驳回',
    sources: '来源',
    signedIn: '当前登录',
    decided: (status: string, by: string) => `此问题已${status}${by ? `（${by}）` : ''}。`,
  },
} as const

const STATUS = {
  en: { approved: 'approved', edited: 'edited and approved', rejected: 'rejected', expired: 'expired' },
  zh: { approved: '批准', edited: '修改并批准', rejected: '驳回', expired: '过期' },
} as Record<string, Record<string, string>>

function layout(lang: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:1.2rem auto;padding:0 1rem;color:#1d1d1f}
blockquote{margin:.5rem 0;padding:.3rem .8rem;border-left:3px solid #3296fa;background:#f5f8ff}
textarea,input{width:100%;box-sizing:border-box;padding:.6rem;font:inherit;margin:.3rem 0 .8rem}
textarea{min-height:12rem}.meta{color:#666;font-size:.9rem}.actions{display:flex;gap:.6rem}
button{flex:1;padding:.7rem;font:inherit;border-radius:6px;border:1px solid #ccc;background:#fff}
button.primary{background:#3296fa;border-color:#3296fa;color:#fff}.notice{padding:.8rem;border-radius:6px;background:#f2f2f2}
</style></head><body>${body}</body></html>`
}

/** A page with one message (the outcome, or why the request was refused). */
export function messagePage(lang: string, title: string, message: string): string {
  return layout(lang, title, `<h1>${esc(title)}</h1><p class="notice">${esc(message)}</p>`)
}

export function reviewPage(
  e: EscalationView,
  o: { admin: string; token: string; action: string | undefined; postTo: string },
): string {
  const lang = escalationLanguage(e)
  const t = T[lang]
  const sources = e.citations.length
    ? `<h2>${t.sources}</h2><ol>${e.citations
        .map((c) => {
          const label = esc([c.title, ...c.headingPath].join(' › '))
          // Only a link safeLink allows becomes an href (a `javascript:` one would run here).
          const href = safeLink(c.url)
          return `<li value="${c.n}">${href ? `<a href="${esc(href)}">${label}</a>` : label} <span class="meta">${esc(c.updated)}</span></li>`
        })
        .join('')}</ol>`
    : ''
  const head = `<h1>${t.title} #${e.id}</h1>
<blockquote>${esc(e.question)}</blockquote>
<p class="meta">${t.askedBy} ${esc(personLabel(e.asker, e.askerName))} · ${t.signedIn} ${esc(o.admin)}</p>`
  if (e.status !== 'open') {
    const status = STATUS[lang]?.[e.status] ?? e.status
    const answer = e.finalAnswer ?? (e.status === 'approved' ? e.draft : null)
    return layout(
      lang,
      t.title,
      `${head}<p class="notice">${esc(t.decided(status, e.decidedBy ?? ''))}</p>${
        answer ? `<p style="white-space:pre-wrap">${esc(answer)}</p>` : ''
      }${e.rejectReason ? `<p>${esc(e.rejectReason)}</p>` : ''}${sources}`,
    )
  }
  const focus = (field: string) =>
    (o.action === 'edit' && field === 'answer') || (o.action === 'reject' && field === 'reason')
      ? ' autofocus'
      : ''
  const primary = (button: string) =>
    (o.action === 'reject' ? 'reject' : 'approve') === button ? ' class="primary"' : ''
  return layout(
    lang,
    t.title,
    `${head}
<form method="post" action="${esc(o.postTo)}">
<input type="hidden" name="token" value="${esc(o.token)}">
<label for="answer">${t.draft}</label>
<textarea id="answer" name="answer" maxlength="3000"${focus('answer')}>${esc(e.draft ?? '')}</textarea>
<label for="reason">${t.reason}</label>
<input id="reason" name="reason" maxlength="1000"${focus('reason')}>
<div class="actions"><button name="action" value="approve"${primary('approve')}>${t.approve}</button>
<button name="action" value="reject"${primary('reject')}>${t.reject}</button></div>
</form>${sources}`,
  )
}
