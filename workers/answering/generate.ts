import type { ChatTurn } from '../knowledge/search/follow-up'
import type { Passage } from '../knowledge/search/types'
import type { ChatModel } from './chat-model'
import { checkCitations, citationLabel, citationOf } from './citations'
import { unsupportedFigures } from './figures'
import { groundedPrompt, NOT_COVERED } from './grounded-prompt'
import { sourceText } from './source-text'
import type { Citation } from './types'

export interface GeneratedAnswer {
  /** Null when the model said the sources do not cover the question. */
  text: string | null
  citations: Citation[]
  /**
   * The answer cites nothing valid, or states a figure its cited sources do not: it is not
   * grounded and must not go out unreviewed.
   */
  ungrounded: boolean
  /** The figures ("100 days", "$2,000", 十五天) that no cited source (nor the question) states. */
  unsupported: string[]
}

/**
 * Asks the model for a grounded answer and checks it: invented source numbers are removed, the
 * citations are the sources actually cited, and an answer that cites nothing, or states a number,
 * amount, duration or percentage that none of its cited sources states, is flagged. A document
 * that talks the model into "100 vacation days" cannot also back the figure: the sentences that
 * speak to the assistant are not evidence (`sourceText`). The question's own figures ("after
 * two years") may be restated.
 */
export async function generateAnswer(
  model: ChatModel,
  question: string,
  passages: Passage[],
  history: readonly ChatTurn[],
  language: string,
  onText?: (textSoFar: string) => void,
): Promise<GeneratedAnswer> {
  const prompt = groundedPrompt(question, passages, history, language)
  let raw = ''
  if (onText && model.stream) {
    // What the asker sees while it is written is checked as it grows: whole words only, and once
    // it states a figure no retrieved source (nor the question) states, nothing more is shown; the
    // answer then goes to the policy team with what was shown marked. "100 vacation days" from a
    // planted instruction never reaches the asker's screen.
    const anyEvidence = [
      question,
      ...passages.map(sourceText),
      ...passages.map((p, i) => citationLabel(citationOf(i + 1, p))),
    ]
    let halted = false
    for await (const delta of model.stream(prompt)) {
      raw += delta
      if (halted) continue
      const words = raw.slice(0, Math.max(raw.lastIndexOf(' '), raw.lastIndexOf('\n')) + 1)
      // Never show the refusal token, nor a prefix that may still become it.
      const head = raw.trimStart()
      if (raw.includes(NOT_COVERED) || NOT_COVERED.startsWith(head) || !words.trim()) continue
      if (unsupportedFigures(words, anyEvidence).length) halted = true
      else onText(words)
    }
  } else raw = await model.complete(prompt)
  if (raw.includes(NOT_COVERED) || !raw.trim())
    return { text: null, citations: [], ungrounded: false, unsupported: [] }
  const checked = checkCitations(raw, passages.length)
  const cited = checked.cited.map((n) => passages[n - 1] as Passage)
  const citations = cited.map((p, i) => citationOf(checked.cited[i] as number, p))
  const evidence = [question, ...cited.map(sourceText), ...citations.map((c) => citationLabel(c))]
  const unsupported = citations.length ? unsupportedFigures(checked.text, evidence) : []
  return {
    text: checked.text,
    citations,
    ungrounded: citations.length === 0 || unsupported.length > 0,
    unsupported,
  }
}

/**
 * Rewrites a follow-up into a standalone question with the model ("and do they carry over?" →
 * "Do unused vacation days carry over?"). Returns undefined if the model's output is unusable.
 */
export async function standaloneQuestion(
  model: ChatModel,
  question: string,
  history: readonly ChatTurn[],
): Promise<string | undefined> {
  const convo = history
    .slice(-6)
    .map((t) => `${t.role === 'user' ? 'Employee' : 'Assistant'}: ${t.content}`)
    .join('\n')
  const out = await model.complete(
    [
      {
        role: 'system',
        content:
          'Rewrite the last question of the conversation as one standalone question that can be understood without the conversation. Keep its language. Output only the question.',
      },
      { role: 'user', content: `${convo}\nEmployee: ${question}` },
    ],
    { maxTokens: 120 },
  )
  const q = out.trim().split('\n')[0]?.trim()
  return q && q.length > 3 && q.length < 500 ? q : undefined
}
