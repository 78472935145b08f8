import type { Context } from 'hono'
import type { Citation } from '../answering/types'
import { citedSection } from '../escalation/edit-citations'
import { problem } from '../http'
import { type Services, withServices } from '../services'
import type { ConsoleEnv } from './auth'

/**
 * `…/:id/sources/:n`: the stored text of source `n` of the answer `citationsOf` finds for `id`
 * (a source without a link opens it in a dialog). `citationsOf` decides who may see it: nothing
 * found, or no such source, is a 404 naming `what`.
 */
export function citedSectionRoute(
  what: string,
  citationsOf: (svc: Services, id: number, c: Context<ConsoleEnv>) => Promise<unknown>,
) {
  return async (c: Context<ConsoleEnv>) => {
    const id = Number(c.req.param('id'))
    const n = Number(c.req.param('n'))
    if (!Number.isInteger(id) || !Number.isInteger(n))
      return c.json(problem('expected numbers', 'BAD_REQUEST'), 400)
    return withServices(c.env, c.executionCtx, async (svc) => {
      const citations = ((await citationsOf(svc, id, c)) as Citation[] | null | undefined) ?? []
      const cited = citations.find((x) => x.n === n)
      if (!cited) return c.json(problem(`No source ${n} for ${what} ${id}`, 'NOT_FOUND', 'not_found'), 404)
      return c.json(await citedSection(svc.db, cited))
    })
  }
}
