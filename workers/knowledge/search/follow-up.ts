import { analyze } from '../text/analyze'

/** One turn of a conversation. */
export interface ChatTurn {
  role: 'user' | 'assistant'
  content: string
}

const LEADING =
  /^\s*(and|but|also|so|then|what about|how about|what if|what else|or|plus|same for|is that|are they|does that|do they|can i also)\b/i
const ANAPHORA =
  /\b(they|them|their|it|its|this|that|these|those|there|he|she|his|her|one|ones|same|such|above|former|latter)\b/i
const CJK_ANAPHORA = /(^那|^还有|^另外|它|这些|那些|这个|那个|其|呢[？?]?$|^如果)/u

/**
 * Whether a question leans on the conversation before it ("and do they carry over?"): it opens
 * with a connective, points back with a pronoun, or is too short to stand alone.
 */
export function isFollowUp(question: string, history: readonly ChatTurn[]): boolean {
  if (!history.some((t) => t.role === 'user')) return false
  if (LEADING.test(question) || ANAPHORA.test(question) || CJK_ANAPHORA.test(question.trim())) return true
  return analyze(question).length <= 2
}

/**
 * The previous user question this one follows, itself made standalone (a chain of follow-ups
 * keeps the topic of the first question).
 */
export function previousTopic(history: readonly ChatTurn[]): string | undefined {
  const users = history.filter((t) => t.role === 'user').map((t) => t.content)
  let topic: string | undefined
  for (const q of users) {
    topic = topic && isFollowUp(q, [{ role: 'user', content: topic }]) ? `${q} ${topic}` : q
  }
  return topic
}
