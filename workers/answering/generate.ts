import type { ChatTurn } from '../knowledge/search/follow-up'
import type { Passage } from '../knowledge/search/types'
import type { ChatMessage, ChatModel } from './chat-model'
import { checkCitations, citationLabel, citationOf } from './citations'
import type { Citation } from './types'

/** What the model answers when the sources do not cover the question. */
export const NOT_COVERED = 'NOT_IN_SOURCES'

const LANGUAGE_NAMES: Record<string, string> = {
  zh: 'Chinese',
  ja: 'Japanese',
  ko: 'Korean',
  de: 'German',
  fr: 'French',
  es: 'Spanish',
  nl: 'Dutch',
  pt: 'Portuguese',
  en: 'English',
}

/** The grounded prompt: rules, numbered sources, the conversation, the question. */
export function groundedPrompt(
  question: string,
  passages: Passage[],
  history: readonly ChatTurn[],
  language: string,
): ChatMessage[] {
  const sources = passages
    .map((p, i) => `[${i + 1}] ${citationLabel(citationOf(i + 1, p))}\n${p.text}`)
    .join('\n\n')
  const lang = LANGUAGE_NAMES[language] ?? 'the language of the question'
  const system = [
    "You are policybot, an assistant that answers employees' questions about their company's policies.",
    'Use ONLY the numbered sources below. Do not use outside knowledge and do not guess.',
    `Answer in ${lang}.`,
    'After each statement, cite the source number(s) it comes from, like [1] or [2][3].',
    'Quote numbers, amounts, dates and deadlines exactly as the sources give them.',
    'If the sources differ by location, role or tenure, say which case each answer applies to.',
    `If the sources do not answer the question, reply with exactly ${NOT_COVERED} and nothing else.`,
    'Be brief: at most four sentences or a short list.',
    '',
    'Sources:',
    sources,
  ].join('\n')
  return [
    { role: 'system', content: system },
    ...history.slice(-6).map((t) => ({ role: t.role, content: t.content }) as ChatMessage),
    { role: 'user', content: question },
  ]
}

export interface GeneratedAnswer {
  /** Null when the model said the sources do not cover the question. */
  text: string | null
  citations: Citation[]
  /** The answer cites nothing valid: it is not grounded and must not go out unreviewed. */
  ungrounded: boolean
}

/**
 * Asks the model for a grounded answer and checks it: invented source numbers are removed, the
 * citations are the sources actually cited, and an answer that cites nothing is flagged.
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
    for await (const delta of model.stream(prompt)) {
      raw += delta
      // Never show the refusal token, nor a prefix that may still become it.
      const head = raw.trimStart()
      if (!raw.includes(NOT_COVERED) && !NOT_COVERED.startsWith(head)) onText(raw)
    }
  } else raw = await model.complete(prompt)
  if (raw.includes(NOT_COVERED) || !raw.trim()) return { text: null, citations: [], ungrounded: false }
  const checked = checkCitations(raw, passages.length)
  const citations = checked.cited.map((n) => citationOf(n, passages[n - 1] as Passage))
  return { text: checked.text, citations, ungrounded: citations.length === 0 }
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
