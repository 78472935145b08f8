import { sql } from 'drizzle-orm'
import { type Db, queryRows } from '../../db/client'
import {
  EMPTY_LEXICON,
  fromBase64,
  LEXICONS,
  type Lexicon,
  type LexiconLanguage,
  lexiconFromBits,
} from '../text/lexicon'

const cached = new Map<LexiconLanguage, Promise<Lexicon>>()

/**
 * A general lexicon stored in the database, read once per process (Worker isolate): it only
 * changes with its version, that is with a deploy. Without one (a database migrated by an older
 * release), the empty lexicon: typo correction then corrects any unknown token, as before, and
 * nothing fails.
 */
export function loadLexicon(db: Db, language: LexiconLanguage = 'en'): Promise<Lexicon> {
  const hit = cached.get(language)
  if (hit) return hit
  const { resource, version } = LEXICONS[language]
  const loading = queryRows<{ data: string; size: number }>(
    db,
    sql`SELECT data, size FROM resources WHERE name = ${resource} AND version = ${version}`,
    'read lexicon',
  ).then(([row]) => {
    if (!row) {
      cached.delete(language) // installed later (policybot migrate): try again next time
      return EMPTY_LEXICON
    }
    return lexiconFromBits(fromBase64(row.data), row.size)
  })
  cached.set(language, loading)
  loading.catch(() => cached.delete(language))
  return loading
}
