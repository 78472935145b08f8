/**
 * `npm run bench:retrieval`: retrieval quality of the hybrid search against a BM25 baseline on the
 * sample handbook's dev set, abstention precision/recall (with a threshold sweep for calibration),
 * query latency at 10k and 100k chunks on the embedded database, and ingestion throughput.
 * Everything runs in one process on one in-memory PGlite, so the figures are comparable.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { answer } from '../../workers/answering/answer'
import { DEFAULT_ABSTAIN_BELOW } from '../../workers/answering/confidence'
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
import {
  abstentionMetrics,
  answerQuotes,
  type DevQuestion,
  historyOf,
  loadDevSet,
  rankingMetrics,
} from './dev-set'
import { createFillerWriter } from './synthetic'

const FIXTURE = fileURLToPath(new URL('../fixtures/handbook/', import.meta.url))
const scales = (process.env.BENCH_SCALES ?? '10000,100000').split(',').map(Number).filter(Boolean)
const print = (s = '') => process.stdout.write(`${s}\n`)
const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0
}

async function main() {
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

  // 2. The dev set through the hybrid retrieval (answer() with chat history, no chat model) and BM25.
  const questions = loadDevSet(join(FIXTURE, 'questions.jsonl'))
  const byId = new Map(questions.map((q) => [q.id, q]))
  const runDevSet = async () => {
    const answers = new Map<string, string>()
    const out: {
      q: DevQuestion
      retrieved: { path: string; text: string }[]
      confidence: number
      ms: number
      quoted: boolean
    }[] = []
    for (const q of questions) {
      const started = performance.now()
      const a = await answer(
        { db, embedder, k: 10, abstainBelow: 0 },
        q.question,
        historyOf(q, byId, answers),
      )
      const ms = performance.now() - started
      answers.set(q.id, a.text)
      out.push({
        q,
        retrieved: a.passages.map((p) => ({ path: p.sourcePath, text: p.text })),
        confidence: a.confidence,
        ms,
        quoted: answerQuotes(a.text, q.expect),
      })
    }
    return out
  }
  const hybrid = await runDevSet()

  const chunkRows = await indexedChunks(db)
  const baseline = baselineResults(chunkRows, questions)

  const ablation = async (channel: 'lexical' | 'vector') => {
    const answers = new Map(hybrid.map((r) => [r.q.id, '']))
    const out: { q: DevQuestion; retrieved: { path: string; text: string }[] }[] = []
    for (const q of questions) {
      const r = await search(db, embedder, q.question, {
        k: 10,
        history: historyOf(q, byId, answers),
        channels: [channel],
      })
      out.push({ q, retrieved: r.passages.map((p) => ({ path: p.sourcePath, text: p.text })) })
    }
    return rankingMetrics(out)
  }
  const lexOnly = await ablation('lexical')
  const vecOnly = await ablation('vector')
  const h = rankingMetrics(hybrid)
  const b = rankingMetrics(baseline)
  print()
  print(
    `Dev set: ${questions.length} questions (${h.questions} answerable, ${questions.length - h.questions} not answerable)`,
  )
  print('| retrieval | hit@1 | hit@5 | MRR@10 | multi-passage all@5 |')
  print('|---|---|---|---|---|')
  print(`| hybrid (policybot) | ${pct(h.hit1)} | ${pct(h.hit5)} | ${h.mrr.toFixed(3)} | ${pct(h.all5)} |`)
  print(
    `| BM25 (wink-bm25-text-search) | ${pct(b.hit1)} | ${pct(b.hit5)} | ${b.mrr.toFixed(3)} | ${pct(b.all5)} |`,
  )
  for (const [name, m] of [
    ['ablation: full-text channel only', lexOnly],
    ['ablation: vector channel only', vecOnly],
  ] as const) {
    print(`| ${name} | ${pct(m.hit1)} | ${pct(m.hit5)} | ${m.mrr.toFixed(3)} | ${pct(m.all5)} |`)
  }
  const kinds = [...new Set(questions.filter((q) => q.answerable).map((q) => q.kind))]
  print()
  print('| kind | n | hybrid hit@1 | hybrid hit@5 | BM25 hit@1 | BM25 hit@5 |')
  print('|---|---|---|---|---|---|')
  for (const kind of kinds) {
    const hk = rankingMetrics(hybrid.filter((r) => r.q.kind === kind))
    const bk = rankingMetrics(baseline.filter((r) => r.q.kind === kind))
    print(
      `| ${kind} | ${hk.questions} | ${pct(hk.hit1)} | ${pct(hk.hit5)} | ${pct(bk.hit1)} | ${pct(bk.hit5)} |`,
    )
  }
  const answerable = hybrid.filter((r) => r.q.answerable)
  print(
    `\nExtractive answers that quote the labelled passage text: ${pct(answerable.filter((r) => r.quoted).length / answerable.length)}`,
  )
  const misses = hybrid.filter((r) => r.q.answerable && !(rankingMetrics([r]).hit5 > 0))
  if (misses.length > 0) print(`\nHybrid misses at 5: ${misses.map((m) => m.q.id).join(', ')}`)

  // 3. Abstention: the calibrated threshold, and a sweep to show the trade-off.
  print()
  const at = (t: number) => abstentionMetrics(hybrid.map((r) => ({ q: r.q, abstained: r.confidence < t })))
  const chosen = at(DEFAULT_ABSTAIN_BELOW)
  print(
    `Abstention at the default threshold ${DEFAULT_ABSTAIN_BELOW}: precision ${pct(chosen.precision)}, recall ${pct(chosen.recall)} (abstained correctly ${chosen.tp}, wrongly ${chosen.fp}, missed ${chosen.fn})`,
  )
  print('| threshold | precision | recall | F1 |')
  print('|---|---|---|---|')
  for (let t = 0.3; t <= 0.701; t += 0.05) {
    const m = at(t)
    print(`| ${t.toFixed(2)} | ${pct(m.precision)} | ${pct(m.recall)} | ${m.f1.toFixed(3)} |`)
  }
  if (process.env.BENCH_VERBOSE) {
    for (const r of hybrid)
      print(`${r.q.id}\t${r.q.answerable ? 'A' : 'U'}\t${r.confidence.toFixed(3)}\t${r.q.question}`)
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
