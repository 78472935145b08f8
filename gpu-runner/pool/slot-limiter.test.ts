import { describe, expect, it } from 'vitest'
import { SlotLimiter } from './slot-limiter'

/** Acquires slots of a group and records the order in which they were granted. */
function recorder(l: SlotLimiter) {
  const log: string[] = []
  const take = (group: string, name: string) =>
    l.acquire(undefined, group).then((release) => {
      log.push(name)
      return release
    })
  return { log, take }
}

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

  it('lets adapters take turns: a request of another adapter waits only for those in flight, never for newcomers', async () => {
    const l = new SlotLimiter(4, 16)
    const { log, take } = recorder(l)
    // Two of adapter a in flight; b arrives, then more a.
    const a1 = await take('a', 'a1')
    const a2 = await take('a', 'a2')
    const b1 = take('b', 'b1')
    const a3 = take('a', 'a3')
    const a4 = take('a', 'a4')
    await Promise.resolve()
    // Free slots, but b waits for a's two, and the later a's wait behind b.
    expect(log).toEqual(['a1', 'a2'])
    expect(l.queued).toBe(3)
    a1()
    await Promise.resolve()
    expect(log).toEqual(['a1', 'a2'])
    a2()
    const rb1 = await b1
    expect(log).toEqual(['a1', 'a2', 'b1'])
    // While b runs, a's wait; a b arriving behind them waits too (first come, first served).
    const b2 = take('b', 'b2')
    await Promise.resolve()
    expect(log).toEqual(['a1', 'a2', 'b1'])
    rb1()
    const [r3, r4] = await Promise.all([a3, a4])
    // Both a's at the head of the queue go together.
    expect(log).toEqual(['a1', 'a2', 'b1', 'a3', 'a4'])
    r3()
    r4()
    ;(await b2)()
    expect(log.at(-1)).toBe('b2')
    expect(l.active).toBe(0)
  })

  it('admits the group in flight freely while nobody else waits, up to the slots', async () => {
    const l = new SlotLimiter(2, 4)
    const r1 = await l.acquire(undefined, 'hr')
    const r2 = await l.acquire(undefined, 'hr')
    let third = false
    const p3 = l.acquire(undefined, 'hr').then((r) => {
      third = true
      return r
    })
    await Promise.resolve()
    expect(third).toBe(false)
    r1()
    ;(await p3)()
    r2()
    expect(l.active).toBe(0)
  })

  it('starts the next waiter when the one ahead of it gives up', async () => {
    const l = new SlotLimiter(2, 4)
    const a = await l.acquire(undefined, 'a')
    const ac = new AbortController()
    const b = l.acquire(ac.signal, 'b')
    let started = false
    const a2 = l.acquire(undefined, 'a').then((r) => {
      started = true
      return r
    })
    await Promise.resolve()
    expect(started).toBe(false)
    ac.abort(new Error('client left'))
    await expect(b).rejects.toThrow('client left')
    ;(await a2)()
    expect(started).toBe(true)
    a()
    expect(l.active).toBe(0)
  })

  it('batches every waiter of the group whose turn it is, though they arrived interleaved', async () => {
    const l = new SlotLimiter(4, 16)
    const { log, take } = recorder(l)
    const a1 = await take('a', 'a1')
    const waiting = [take('b', 'b1'), take('a', 'a2'), take('b', 'b2'), take('a', 'a3')]
    await Promise.resolve()
    expect(log).toEqual(['a1'])
    a1()
    const [b1, , b2] = [await waiting[0], undefined, await waiting[2]]
    // b had the oldest waiter: both b's go together, the a's wait for the next turn.
    expect(log).toEqual(['a1', 'b1', 'b2'])
    b1?.()
    await Promise.resolve()
    expect(log).toHaveLength(3)
    b2?.()
    const [a2, a3] = [await waiting[1], await waiting[3]]
    expect(log).toEqual(['a1', 'b1', 'b2', 'a2', 'a3'])
    a2?.()
    a3?.()
    expect(l.active).toBe(0)
  })
})
