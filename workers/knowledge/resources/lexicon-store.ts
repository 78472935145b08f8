import { sql } from 'drizzle-orm'
import { type Db, queryRows } from '../../db/client'
import { EMPTY_LEXICON, fromBase64, LEXICON_VERSION, type Lexicon, lexiconFromBits } from '../text/lexicon'

/** The resource row's name. */
export const LEXICON_RESOURCE = 'lexicon-en'

let cached: Promise<Lexicon> | undefined

/**
 * The general English lexicon stored in the database, read once per process (Worker isolate):
 * it only changes with LEXICON_VERSION, that is with a deploy. Without one (a database migrated
 * by an older release), the empty lexicon: typo correction then corrects any unknown token, as
 * before, and nothing fails.
 */
export function loadLexicon(db: Db): Promise<Lexicon> {
  if (cached) return cached
  const loading = queryRows<{ data: string; size: number }>(
    db,
    sql`SELECT data, size FROM resources WHERE name = ${LEXICON_RESOURCE} AND version = ${LEXICON_VERSION}`,
    'read lexicon',
  ).then(([row]) => {
    if (!row) {
      cached = undefined // installed later (policybot migrate): try again next time
      return EMPTY_LEXICON
    }
    return lexiconFromBits(fromBase64(row.data), row.size)
  })
  cached = loading
  loading.catch(() => {
    cached = undefined
  })
  return loading
}
