import { readFileSync } from 'node:fs'
import type { ChatTurn } from '../../workers/knowledge/search/follow-up'

/** One labelled question of a dev set (see test/fixtures/handbook/README.md). */
export interface DevQuestion {
  id: string
  question: string
  previous?: string
  answerable: boolean
  expect: { path: string; contains: string }[]
  kind: string
}

/** Reads a labelled JSONL question file. */
export function loadDevSet(file: string): DevQuestion[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as DevQuestion)
}

/** The chat history of a question: the chain of `previous` questions with the answers given to them. */
export function historyOf(
  q: DevQuestion,
  byId: Map<string, DevQuestion>,
  answers: Map<string, string>,
): ChatTurn[] {
  const chain: DevQuestion[] = []
  let cur = q.previous ? byId.get(q.previous) : undefined
  while (cur && chain.length < 10) {
    chain.unshift(cur)
    cur = cur.previous ? byId.get(cur.previous) : undefined
  }
  return chain.flatMap((p) => [
    { role: 'user' as const, content: p.question },
    { role: 'assistant' as const, content: answers.get(p.id) ?? '' },
  ])
}

const normalize = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()

/** 1-based rank of the first retrieved passage that contains an expected answer, or undefined. */
export function firstHit(
  retrieved: { path: string; text: string }[],
  expect: DevQuestion['expect'],
): number | undefined {
  const i = retrieved.findIndex((r) =>
    expect.some((e) => r.path === e.path && normalize(r.text).includes(normalize(e.contains))),
  )
  return i >= 0 ? i + 1 : undefined
}

/** Whether an answer's text contains one of the expected snippets (an extractive answer quoted it). */
export function answerQuotes(answer: string, expect: DevQuestion['expect']): boolean {
  return expect.some((e) => normalize(answer).includes(normalize(e.contains)))
}

/** Whether every expected passage is among the retrieved ones. */
export function allHit(retrieved: { path: string; text: string }[], expect: DevQuestion['expect']): boolean {
  return expect.every((e) =>
    retrieved.some((r) => r.path === e.path && normalize(r.text).includes(normalize(e.contains))),
  )
}

export interface RankingMetrics {
  questions: number
  hit1: number
  hit5: number
  mrr: number
  /** Multi-passage questions with every expected passage in the top 5. */
  all5: number
}

/** hit@1, hit@5 and MRR@10 over answerable questions, given each one's retrieved list. */
export function rankingMetrics(
  results: { q: DevQuestion; retrieved: { path: string; text: string }[] }[],
): RankingMetrics {
  const answerable = results.filter((r) => r.q.answerable)
  let hit1 = 0
  let hit5 = 0
  let rr = 0
  let multi = 0
  let all5 = 0
  for (const { q, retrieved } of answerable) {
    const rank = firstHit(retrieved.slice(0, 10), q.expect)
    if (rank === 1) hit1++
    if (rank !== undefined && rank <= 5) hit5++
    if (rank !== undefined) rr += 1 / rank
    if (q.expect.length > 1) {
      multi++
      if (allHit(retrieved.slice(0, 5), q.expect)) all5++
    }
  }
  const n = answerable.length || 1
  return {
    questions: answerable.length,
    hit1: hit1 / n,
    hit5: hit5 / n,
    mrr: rr / n,
    all5: multi ? all5 / multi : 0,
  }
}

/** Abstention quality: `abstained` is the prediction, `!answerable` the truth. */
export function abstentionMetrics(results: { q: DevQuestion; abstained: boolean }[]) {
  const tp = results.filter((r) => r.abstained && !r.q.answerable).length
  const fp = results.filter((r) => r.abstained && r.q.answerable).length
  const fn = results.filter((r) => !r.abstained && !r.q.answerable).length
  const precision = tp + fp ? tp / (tp + fp) : 1
  const recall = tp + fn ? tp / (tp + fn) : 1
  return {
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    tp,
    fp,
    fn,
  }
}
