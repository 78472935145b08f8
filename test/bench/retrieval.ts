/**
 * `npm run bench:retrieval`: quality on the sample handbook and the out-of-domain handbooks (dev
 * and untouched splits, against a BM25 baseline, with abstention and quotation figures; see
 * quality.ts), then the sample handbook's channel ablations, ingestion throughput and query
 * latency at 10k and 100k chunks on the embedded database. One process, so figures compare.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { queryRows } from '../../workers/db/client'
import { openPglite } from '../../workers/db/pglite'
import { createLocalEmbedder } from '../../workers/knowledge/embed/local'
import { search } from '../../workers/knowledge/search/search'
import {
  dropVectorIndex,
  ensureEmbedder,
  ensureVectorIndex,
  storeDocument,
} from '../../workers/knowledge/store'
import { filesUnder, ingestFiles } from '../helpers/db'
import { baselineResults, indexedChunks } from './bm25'
import { type DevQuestion, historyOf, loadDevSet, rankingMetrics } from './dev-set'
import { qualityBench } from './quality'
import { print, quantile } from './stats'
import { createFillerWriter } from './synthetic'

const FIXTURE = fileURLToPath(new URL('../fixtures/handbook/', import.meta.url))
const scales = (process.env.BENCH_SCALES ?? '10000,100000').split(',').map(Number).filter(Boolean)
const pct = (x: number) => `${(x * 100).toFixed(1)}%`

async function main() {
  // 0. Quality on the sample and the out-of-domain handbooks (each in its own database).
  print('## Quality (extractive answers, no chat model)')
  await qualityBench(process.env.BENCH_SETS?.split(','))
  print()
  print('## Ingestion, channels and latency (sample handbook, then filler to 10k and 100k chunks)')

  const database = await openPglite()
  const db = database.db
  const embedder = createLocalEmbedder()

  // 1. Ingest the sample handbook.
  const docs = filesUnder(join(FIXTURE, 'docs'))
  const bytes = docs.reduce((n, f) => n + f.bytes.byteLength, 0)
  const t0 = performance.now()
  await ingestFiles(db, embedder, docs)
  await database.maintain()
  const ingestSeconds = (performance.now() - t0) / 1000
  const [{ n: handbookChunks } = { n: 0 }] = await queryRows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM chunks`,
    'count',
  )
  print(`Sample handbook: ${docs.length} files, ${(bytes / 1024).toFixed(0)} KiB, ${handbookChunks} chunks`)
  print(
    `Ingestion (parse + chunk + embed + store, HNSW maintained): ${ingestSeconds.toFixed(2)} s = ${(docs.length / ingestSeconds).toFixed(1)} files/s, ${(handbookChunks / ingestSeconds).toFixed(0)} chunks/s, ${(bytes / 2 ** 20 / ingestSeconds).toFixed(2)} MiB/s`,
  )

  // 2. Channel ablations on the sample handbook (the quality tables of every set come first).
  const questions = loadDevSet(join(FIXTURE, 'questions.jsonl'))
  const byId = new Map(questions.map((q) => [q.id, q]))
  const chunkRows = await indexedChunks(db)
  const ablation = async (channels: ('lexical' | 'vector')[]) => {
    const out: { q: DevQuestion; retrieved: { path: string; text: string }[] }[] = []
    for (const q of questions) {
      const r = await search(db, embedder, q.question, {
        k: 10,
        history: historyOf(q, byId, new Map()),
        channels,
      })
      out.push({ q, retrieved: r.passages.map((p) => ({ path: p.sourcePath, text: p.text })) })
    }
    return rankingMetrics(out)
  }
  print()
  print('Sample handbook, by channel (answerable questions):')
  print('| retrieval | hit@1 | hit@5 | MRR@10 | multi-passage all@5 |')
  print('|---|---|---|---|---|')
  for (const [name, m] of [
    ['hybrid (both channels)', await ablation(['lexical', 'vector'])],
    ['full-text channel only', await ablation(['lexical'])],
    ['vector channel only', await ablation(['vector'])],
    ['BM25 (wink-bm25-text-search)', rankingMetrics(baselineResults(chunkRows, questions))],
  ] as const) {
    print(`| ${name} | ${pct(m.hit1)} | ${pct(m.hit5)} | ${m.mrr.toFixed(3)} | ${pct(m.all5)} |`)
  }

  // 4. Latency at scale: filler passages written from the handbook's own vocabulary.
  const writer = createFillerWriter(chunkRows.map((c) => c.text))
  const embedderId = await ensureEmbedder(db, embedder)
  let total = handbookChunks
  for (const target of scales) {
    const need = target - total
    if (need > 0) {
      const started = performance.now()
      await dropVectorIndex(db, embedderId)
      for (let done = 0, docNo = total; done < need; docNo++) {
        const chunks = writer.chunks(Math.min(50, need - done))
        await storeDocument(db, embedder, {
          sourceKind: 'synthetic',
          sourcePath: `filler/${docNo}.md`,
          doc: {
            title: `Department manual ${docNo}`,
            format: 'markdown',
            blocks: [],
            language: 'en',
            metadata: {},
          },
          chunks,
          contentHash: `filler-${docNo}`,
        })
        done += chunks.length
      }
      const loaded = performance.now()
      await ensureVectorIndex(db, embedderId, embedder.dimensions, { maintenanceWorkMem: '1GB' })
      await database.maintain()
      const indexed = performance.now()
      total = target
      print()
      print(
        `Bulk load to ${target} chunks: ${need} chunks stored in ${((loaded - started) / 1000).toFixed(1)} s (${(need / ((loaded - started) / 1000)).toFixed(0)} chunks/s), HNSW index built in ${((indexed - loaded) / 1000).toFixed(1)} s`,
      )
    }
    const lat: number[] = []
    const results: { q: DevQuestion; retrieved: { path: string; text: string }[] }[] = []
    for (let round = 0; round < 2; round++) {
      for (const q of questions) {
        const started = performance.now()
        const r = await search(db, embedder, q.question, { k: 10 })
        lat.push(performance.now() - started)
        if (round === 1)
          results.push({ q, retrieved: r.passages.map((p) => ({ path: p.sourcePath, text: p.text })) })
      }
    }
    const m = rankingMetrics(results.filter((r) => !r.q.previous))
    print(
      `Query latency at ${total} chunks (search, ${lat.length} queries): p50 ${quantile(lat, 0.5).toFixed(1)} ms, p95 ${quantile(lat, 0.95).toFixed(1)} ms; hit@5 among the distractors ${pct(m.hit5)} (standalone questions)`,
    )
  }
  await database.close()
}

await main()
