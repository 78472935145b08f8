import { describe, expect, it } from 'vitest'
import { createLocalEmbedder } from './local'

const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0)
const e = createLocalEmbedder(512)
const one = async (t: string) => (await e.embed([t], 'passage'))[0] as number[]

describe('the local embedder', () => {
  it('is deterministic and unit-length, with its dimension in its key', async () => {
    const [a, b] = await e.embed(
      ['Expense claims are due within 30 days.', 'Expense claims are due within 30 days.'],
      'passage',
    )
    expect(a).toEqual(b)
    expect(a).toHaveLength(512)
    expect(cos(a as number[], a as number[])).toBeCloseTo(1, 4)
    expect(e.key).toBe('local-hash-v3:512')
  })

  it('puts a misspelt word closer to the right word than to an unrelated one', async () => {
    const typo = await one('expence reimbursment')
    expect(cos(typo, await one('expense reimbursement'))).toBeGreaterThan(
      cos(typo, await one('parking badge office')) + 0.3,
    )
  })

  it('puts policy synonyms close although they share no word', async () => {
    const q = await one('How much PTO do I get?')
    const leave = await one('Employees receive 25 days of annual leave per year.')
    const parking = await one('Parking permits are issued by the facilities team per year.')
    expect(cos(q, leave)).toBeGreaterThan(cos(q, parking) + 0.05)
  })

  it('matches Chinese text by words and character pairs', async () => {
    const q = await one('年假有几天？')
    expect(cos(q, await one('员工每年享有十五天带薪年假。'))).toBeGreaterThan(
      cos(q, await one('差旅报销须在十五个工作日内提交。')),
    )
  })

  it('weights query terms when told their rarity', async () => {
    const passage = await one('Remote work requires manager approval.')
    const [plain] = await e.embed(['remote work approval'], 'query')
    const [weighted] = await e.embed(['remote work approval'], 'query', {
      termWeight: (s) => (s === 'approv' ? 0 : 1),
    })
    expect(plain).not.toEqual(weighted)
    expect(cos(weighted as number[], passage)).toBeGreaterThan(0)
  })
})
