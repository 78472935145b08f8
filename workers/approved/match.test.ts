import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createLocalEmbedder } from '../knowledge/embed/local'
import { isReuse, matchScore, questionNumbers, questionTerms } from './match'

interface Pair {
  approved: string
  asked: string
  same: boolean
}
const pairs = readFileSync(new URL('../../test/fixtures/approved/pairs.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Pair)

const embedder = createLocalEmbedder()
const key = async (q: string) => ({
  terms: questionTerms(q),
  numbers: questionNumbers(q),
  embedding: (await embedder.embed([q], 'query'))[0] as number[],
})

describe('approved-answer matching (calibrated threshold)', () => {
  it('never reuses an answer for a near miss and reuses most true paraphrases', async () => {
    let tp = 0
    let fp = 0
    let fn = 0
    const wrong: string[] = []
    for (const p of pairs) {
      const reuse = isReuse(matchScore(await key(p.approved), await key(p.asked)))
      if (reuse && p.same) tp++
      else if (reuse) {
        fp++
        wrong.push(`${p.approved} ≈ ${p.asked}`)
      } else if (p.same) fn++
    }
    expect(wrong).toEqual([])
    expect(fp).toBe(0)
    // 15 of 22 same-meaning pairs at the time of calibration.
    expect(tp / (tp + fn)).toBeGreaterThanOrEqual(0.6)
  })

  it('blocks pairs whose numbers, negations or key terms differ', async () => {
    expect(matchScore(await key('Is a 2-day trip ok?'), await key('Is a 10-day trip ok?')).blocked).toBe(
      'numbers differ',
    )
    expect(matchScore(await key('Can I bring my dog?'), await key('Can I bring my cat?')).blocked).toMatch(
      /swapped/,
    )
    expect(
      matchScore(await key('leave for a birthing parent'), await key('leave for a non-birthing parent'))
        .blocked,
    ).toBe('negation differs')
  })
})
