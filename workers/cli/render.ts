import { citationLabel } from '../answering/citations'
import type { Answer } from '../answering/types'

/** An answer for a terminal: the text, its numbered sources, and what kind of answer it is. */
export function renderAnswer(a: Answer): string {
  const lines = [a.text]
  if (a.citations.length > 0) {
    lines.push('', 'Sources:')
    for (const c of a.citations) {
      lines.push(`[${c.n}] ${citationLabel(c)} — ${c.url ?? c.sourcePath}`)
    }
  }
  const kind = a.mode === 'abstain' ? 'no answer in the documents' : `${a.mode} answer`
  lines.push(
    '',
    `(${kind} · confidence ${a.confidence.toFixed(2)}${a.escalate ? ' · escalated to the policy team' : ''})`,
  )
  return lines.join('\n')
}

/** The JSON form of an answer (`ask --json`, the local API). */
export function answerJson(a: Answer, k = 5) {
  return {
    mode: a.mode,
    escalate: a.escalate,
    confidence: a.confidence,
    language: a.language,
    answer: a.text,
    searchedQuestion: a.searchedQuestion,
    citations: a.citations,
    retrieved: a.passages.slice(0, k).map((p) => ({
      path: p.sourcePath,
      title: p.title,
      heading: p.headingPath.join(' › '),
      page: p.page,
      url: p.url,
      updated: p.updatedAt.toISOString().slice(0, 10),
      score: Math.round(p.score * 1e6) / 1e6,
      text: p.text,
    })),
  }
}
