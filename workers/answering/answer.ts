import type { Db } from '../db/client'
import { type Department, passagesDepartment } from '../departments/departments'
import { isPolicybotError } from '../errors'
import type { Embedder } from '../knowledge/embed/types'
import { type ChatTurn, isFollowUp } from '../knowledge/search/follow-up'
import { search } from '../knowledge/search/search'
import { detectLanguage } from '../knowledge/text/script'
import type { ChatModel } from './chat-model'
import { DEFAULT_ABSTAIN_BELOW, retrievalConfidence } from './confidence'
import { extractiveAnswer } from './extractive'
import { generateAnswer, standaloneQuestion } from './generate'
import type { Answer } from './types'

export interface AnswerDeps {
  db: Db
  embedder: Embedder
  /** The chat model; without one, answers are extractive. */
  chat?: ChatModel
  /** Abstain below this retrieval confidence (default: the calibrated value). */
  abstainBelow?: number
  /** Passages retrieved (default 5). */
  k?: number
  /** The asker's audiences, when documents are restricted. */
  audiences?: readonly string[]
  /** Where problems are reported (a failed chat request falls back to extractive). */
  warn?: (message: string) => void
  /**
   * Departments: the question's, when its channel belongs to one; otherwise the one owning the
   * best passages is chosen here. `chatFor` gives the chat model of a department's adapter
   * (undefined: the base `chat`).
   */
  departments?: {
    all: readonly Department[]
    fromChannel?: Department
    chatFor(department: Department): Promise<ChatModel | undefined>
  }
  /**
   * Receives a generated answer's text as it grows, before the checks run (for streaming it to
   * the asker); the returned answer is what passed them.
   */
  onText?: (textSoFar: string) => void
}

const ABSTAIN: Record<string, string> = {
  en: "I couldn't find this in the company's documents, so I won't guess. I've flagged your question for the policy team.",
  zh: '公司文档中没有找到这个问题的答案，我不做猜测。已将您的问题转交政策团队。',
}

/**
 * Answers one question from the documents: retrieve (follow-ups resolved from history), decide
 * whether the documents cover it, then answer with the chat model (grounded, cited, checked) or,
 * without one, by quotation. When they do not cover it: `abstain` and `escalate`, never a guess.
 */
export async function answer(
  deps: AnswerDeps,
  question: string,
  history: readonly ChatTurn[] = [],
): Promise<Answer> {
  const language = questionLanguage(question)
  let searched = question
  let searchHistory = history
  if (deps.chat && isFollowUp(question, history)) {
    const rewritten = await standaloneQuestion(deps.chat, question, history).catch((e: unknown) => {
      if (isPolicybotError(e, 'CHAT_ERROR')) deps.warn?.(e.message)
      return undefined
    })
    if (rewritten) {
      searched = rewritten
      searchHistory = []
    }
  }
  const result = await search(deps.db, deps.embedder, searched, {
    k: deps.k ?? 5,
    history: searchHistory,
    ...(deps.audiences ? { audiences: deps.audiences } : {}),
  })
  const confidence = retrievalConfidence(result)
  const routing = deps.departments
  const department =
    routing?.fromChannel ?? (routing ? passagesDepartment(routing.all, result.passages) : undefined)
  const base = {
    confidence,
    language,
    searchedQuestion: result.plan.text,
    passages: result.passages,
    ...(department
      ? {
          department: {
            name: department.name,
            by: routing?.fromChannel ? ('channel' as const) : ('documents' as const),
          },
        }
      : {}),
  }
  const abstain = (): Answer => ({
    mode: 'abstain',
    text: ABSTAIN[language] ?? (ABSTAIN.en as string),
    citations: [],
    escalate: true,
    ...(result.passages.length ? { draft: extractiveAnswer(result.plan, result.passages, language) } : {}),
    ...base,
  })
  if (result.passages.length === 0 || confidence < (deps.abstainBelow ?? DEFAULT_ABSTAIN_BELOW))
    return abstain()

  const chat = (department && (await routing?.chatFor(department))) || deps.chat
  if (chat) {
    let servedBy = chat.model
    const tracked = served(chat, (m) => {
      servedBy = m
    })
    try {
      const generated = await generateAnswer(
        tracked,
        question,
        result.passages,
        history,
        language,
        deps.onText,
      )
      if (generated.text === null) return abstain()
      // Escalated with the draft for the policy team (reason `ungrounded`), never delivered. The
      // log names how many figures, not which: logs carry no answer text.
      if (generated.unsupported.length)
        deps.warn?.(
          `A generated answer states ${generated.unsupported.length} figure(s) that its cited sources do not; escalating it.`,
        )
      return {
        mode: 'generated',
        text: generated.text,
        citations: generated.citations,
        escalate: generated.ungrounded,
        ...base,
        model: servedBy,
      }
    } catch (e) {
      if (!isPolicybotError(e, 'CHAT_ERROR')) throw e
      deps.warn?.(`${e.message}; answering extractively instead.`)
    }
  }
  const extractive = extractiveAnswer(result.plan, result.passages, language)
  return {
    mode: 'extractive',
    text: extractive.text,
    citations: extractive.citations,
    escalate: false,
    ...base,
  }
}

/** `chat` with every request telling `onServed` which model produced the text. */
function served(chat: ChatModel, onServed: (model: string) => void): ChatModel {
  return {
    model: chat.model,
    complete: (messages, options) =>
      chat.complete(messages, { ...options, served: (by) => onServed(by.model) }),
    ...(chat.stream
      ? {
          stream: (messages, options) =>
            (chat.stream as NonNullable<ChatModel['stream']>)(messages, {
              ...options,
              served: (by) => onServed(by.model),
            }),
        }
      : {}),
  }
}

/** The language to answer in: the question's, English when it cannot be told. */
export function questionLanguage(question: string): string {
  const lang = detectLanguage(question)
  return lang === 'und' ? 'en' : lang
}
