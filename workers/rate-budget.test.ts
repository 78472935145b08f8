import { describe, expect, it } from 'vitest'
import { slidingTake } from './rate-budget'

describe('slidingTake', () => {
  it('grants at most `limit` calls in any window, and again once old grants leave it', () => {
    let grants: number[] = []
    const granted = (t: number) => {
      const r = slidingTake(grants, 3, 60_000, t)
      grants = r.kept
      return r.ok
    }
    expect([0, 10, 20, 30].map(granted)).toEqual([true, true, true, false])
    expect(granted(59_999)).toBe(false)
    // The first grant (t=0) left the window; the refused ones never counted.
    expect(granted(60_001)).toBe(true)
    expect(granted(60_002)).toBe(false)
  })
})
