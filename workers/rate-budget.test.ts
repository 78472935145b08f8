import { describe, expect, it } from 'vitest'
import { SlidingWindows } from './rate-budget'

describe('SlidingWindows', () => {
  it('grants at most `limit` calls in any window, per bucket, and again once old grants leave it', () => {
    const w = new SlidingWindows()
    const granted = (t: number) => w.take('chat.startStream', 3, 60_000, t)
    expect([0, 10, 20, 30].map(granted)).toEqual([true, true, true, false])
    expect(w.take('chat.appendStream', 3, 60_000, 30)).toBe(true)
    expect(granted(59_999)).toBe(false)
    // The first grant (t=0) left the window; the refused ones never counted.
    expect(granted(60_001)).toBe(true)
    expect(granted(60_002)).toBe(false)
  })
})
