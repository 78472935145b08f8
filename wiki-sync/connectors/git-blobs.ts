import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'

/**
 * Reads blobs through one long-lived `git cat-file --batch` instead of a `git cat-file blob` per
 * page: a first sync of thousands of pages spent half its time starting processes (forking a
 * process that holds an in-memory database is slow). Requests are answered in order; the protocol
 * is `<oid>\n` in, `<oid> <type> <size>\n<bytes>\n` (or `<oid> missing\n`) out.
 */
type Waiter = { resolve: (b: Buffer | null) => void; reject: (e: Error) => void }

/** One `git cat-file --batch` process and the requests it has not answered yet. */
interface Batch {
  proc: ChildProcessWithoutNullStreams
  buffer: Buffer
  waiting: Waiter[]
  failure?: Error
}

export class BlobReader {
  #batch: Batch | undefined

  constructor(private readonly args: string[]) {}

  read(oid: string): Promise<Buffer | null> {
    if (!/^[0-9a-f]{4,64}$/.test(oid)) return Promise.reject(new Error(`not an object id: ${oid}`))
    const batch = this.#start()
    if (batch.failure) return Promise.reject(batch.failure)
    return new Promise((resolve, reject) => {
      batch.waiting.push({ resolve, reject })
      batch.proc.stdin.write(`${oid}\n`)
    })
  }

  /** Ends the process once it has answered what was asked; a later read starts a new one. */
  close(): void {
    this.#batch?.proc.stdin.end()
    this.#batch = undefined
  }

  #start(): Batch {
    if (this.#batch) return this.#batch
    const proc = spawn('git', [...this.args, 'cat-file', '--batch'], { stdio: 'pipe' })
    const batch: Batch = { proc, buffer: Buffer.alloc(0), waiting: [] }
    let stderr = ''
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    proc.stdout.on('data', (d: Buffer) => {
      batch.buffer = batch.buffer.length ? Buffer.concat([batch.buffer, d]) : d
      drain(batch)
    })
    proc.on('error', (e) => fail(batch, e))
    // A process that died (git missing, a bad repository) closes its stdin: the write that finds it
    // closed fails the waiting reads through 'close' below, not as an unhandled EPIPE.
    proc.stdin.on('error', (e) => fail(batch, e))
    proc.on('close', (code) => {
      if (batch.waiting.length)
        fail(batch, new Error(`git cat-file --batch exited (${code}): ${stderr.trim()}`))
      if (this.#batch === batch) this.#batch = undefined
    })
    this.#batch = batch
    return batch
  }
}

function fail(batch: Batch, e: Error): void {
  batch.failure = e
  for (const w of batch.waiting.splice(0)) w.reject(e)
}

/** Answers every request whose reply has fully arrived. */
function drain(batch: Batch): void {
  for (;;) {
    const eol = batch.buffer.indexOf(10)
    if (eol < 0) return
    const header = batch.buffer.subarray(0, eol).toString('utf8')
    const missing = / missing$/.test(header)
    const size = missing ? 0 : Number(header.split(' ')[2])
    if (!missing && !Number.isInteger(size)) {
      fail(batch, new Error(`git cat-file --batch: unexpected reply "${header.slice(0, 100)}"`))
      batch.proc.kill()
      return
    }
    const end = missing ? eol + 1 : eol + 1 + size + 1
    if (batch.buffer.length < end) return
    const body = missing ? null : Buffer.from(batch.buffer.subarray(eol + 1, eol + 1 + size))
    batch.buffer = batch.buffer.subarray(end)
    batch.waiting.shift()?.resolve(body)
  }
}
