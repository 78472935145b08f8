import { describe, expect, it } from 'vitest'
import { segmentByDictionary } from './cjk-words'

const DICT: Record<string, number> = {
  病: 4,
  假: 4,
  病假: 3.5,
  工资: 4.5,
  工: 4,
  资: 3.5,
  怎么: 5,
  算: 4.5,
  年: 5,
  休: 3.5,
}
const zipf = (w: string) => DICT[w]

describe('segmentByDictionary', () => {
  it('prefers the dictionary word to its characters (病假, not 病 假)', () => {
    expect(segmentByDictionary('病假工资怎么算', zipf, () => false)).toEqual(['病假', '工资', '怎么', '算'])
  })

  it('joins characters into a word the corpus uses when the dictionary lacks it', () => {
    expect(segmentByDictionary('年休假', zipf, () => false)).toEqual(['年', '休', '假'])
    expect(segmentByDictionary('年休假', zipf, (w) => w === '年休假')).toEqual(['年休假'])
  })

  it('keeps unknown characters as words of their own', () => {
    expect(segmentByDictionary('陪产', zipf, () => false)).toEqual(['陪', '产'])
  })
})
