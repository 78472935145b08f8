import { readFile, writeFile } from 'node:fs/promises'
import { answer } from '../../answering/answer'
import type { Answer } from '../../answering/types'
import { messageOf, PolicybotError } from '../../errors'
import type { ChatTurn } from '../../knowledge/search/follow-up'
import type { Context } from '../context'
import type { Output } from '../output'
import { answerJson } from '../render'

interface EvalLine {
  id: string
  question: string
  previous?: string
}

/**
 * `policybot eval --questions FILE [--k 5] [--out FILE]`: answers every question of a JSONL file
 * (a line's `previous` names an earlier line whose question and answer are its chat history) and
 * writes one JSON line per input line, in order. A malformed line gets an output line with an
 * `error` and makes the command fail at the end; the others are still answered.
 */
export async function evalCommand(
  ctx: Context,
  options: { questions: string; k: number; out?: string },
  out: Output,
): Promise<{ lines: number; errors: number }> {
  const source = await readFile(options.questions, 'utf8').catch((e: unknown) => {
    throw new PolicybotError('FILE_NOT_FOUND', `${options.questions}: ${messageOf(e)}`)
  })
  const raw = source
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim())
  const parsed: (EvalLine | { error: string; id: string | null })[] = raw.map((line, i) =>
    parseLine(line, i + 1),
  )
  const byId = new Map<string, EvalLine>()
  for (const p of parsed) if (!('error' in p)) byId.set(p.id, p)

  const answered = new Map<string, { answer: Answer; history: ChatTurn[] }>()
  const deps = {
    db: ctx.database.db,
    embedder: ctx.embedder,
    k: options.k,
    ...(ctx.chat ? { chat: ctx.chat } : {}),
    ...(ctx.config.abstainBelow !== undefined ? { abstainBelow: ctx.config.abstainBelow } : {}),
    warn: (m: string) => out.progress(`warning: ${m}`),
  }
  const solve = async (line: EvalLine, depth = 0): Promise<{ answer: Answer; history: ChatTurn[] }> => {
    const done = answered.get(line.id)
    if (done) return done
    let history: ChatTurn[] = []
    const prev = line.previous ? byId.get(line.previous) : undefined
    if (prev && depth < 20) {
      const p = await solve(prev, depth + 1)
      history = [
        ...p.history,
        { role: 'user', content: prev.question },
        { role: 'assistant', content: p.answer.text },
      ]
    }
    const result = { answer: await answer(deps, line.question, history), history }
    answered.set(line.id, result)
    return result
  }

  const outputs: string[] = []
  let errors = 0
  for (const [i, p] of parsed.entries()) {
    if ('error' in p) {
      errors++
      out.progress(`[${i + 1}/${parsed.length}] line ${i + 1}: ${p.error}`)
      outputs.push(
        JSON.stringify({
          id: p.id,
          mode: 'abstain',
          escalate: true,
          answer: '',
          citations: [],
          retrieved: [],
          error: p.error,
        }),
      )
      continue
    }
    const { answer: a } = await solve(p)
    const j = answerJson(a, options.k)
    outputs.push(
      JSON.stringify({
        id: p.id,
        mode: j.mode,
        escalate: j.escalate,
        answer: j.answer,
        citations: j.citations,
        retrieved: j.retrieved.map((r) => ({
          path: r.path,
          heading: r.heading,
          score: r.score,
          text: r.text,
        })),
        confidence: j.confidence,
      }),
    )
    out.progress(`[${i + 1}/${parsed.length}] ${p.id}: ${a.mode} (confidence ${a.confidence.toFixed(2)})`)
  }
  const text = `${outputs.join('\n')}\n`
  if (options.out) await writeFile(options.out, text)
  else out.result(text.trimEnd())
  return { lines: outputs.length, errors }
}

function parseLine(line: string, n: number): EvalLine | { error: string; id: string | null } {
  let v: unknown
  try {
    v = JSON.parse(line)
  } catch (e) {
    return { error: `not valid JSON (${messageOf(e)})`, id: null }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'not a JSON object', id: null }
  const o = v as Record<string, unknown>
  const id = typeof o.id === 'string' || typeof o.id === 'number' ? String(o.id) : null
  if (id === null) return { error: `line ${n} has no "id"`, id: null }
  if (typeof o.question !== 'string' || !o.question.trim()) return { error: `${id} has no "question"`, id }
  const previous =
    typeof o.previous === 'string' || typeof o.previous === 'number' ? String(o.previous) : undefined
  return { id, question: o.question, ...(previous ? { previous } : {}) }
}
