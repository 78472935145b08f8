import { describe, expect, it } from 'vitest'
import { SlotLimiter } from './slot-limiter'

describe('SlotLimiter', () => {
  it('hands a released slot to the first waiter', async () => {
    const l = new SlotLimiter(1, 2)
    const first = await l.acquire()
    const order: number[] = []
    const a = l.acquire().then((r) => {
      order.push(1)
      return r
    })
    const b = l.acquire().then((r) => {
      order.push(2)
      return r
    })
    expect(l.queued).toBe(2)
    first()
    ;(await a)()
    ;(await b)()
    expect(order).toEqual([1, 2])
    expect(l.active).toBe(0)
  })

  it('refuses with QUEUE_FULL and a Retry-After once the queue is full', async () => {
    const l = new SlotLimiter(1, 1)
    await l.acquire()
    void l.acquire()
    await expect(l.acquire()).rejects.toMatchObject({ code: 'QUEUE_FULL', status: 429, retryAfter: 1 })
  })

  it('drops a waiter whose caller gave up, and a double release frees one slot', async () => {
    const l = new SlotLimiter(1, 4)
    const release = await l.acquire()
    const ac = new AbortController()
    const waiting = l.acquire(ac.signal)
    ac.abort(new Error('client left'))
    await expect(waiting).rejects.toThrow('client left')
    expect(l.queued).toBe(0)
    release()
    release()
    expect(l.active).toBe(0)
  })
})
