/**
 * The load generator of `bench:slack`, on its own thread: the stack under test (the embedded
 * database, the local Slack API, wrangler's supervisor) runs on the main thread's event loop, and a
 * client timing its requests on that same loop would count the database's turns as network time.
 *
 * workerData: `{ url, concurrency, requests }`, each request `{ health: boolean, path, headers?, body? }`
 * run in order by `concurrency` loops; posts back `{ ms: number[], status: number[] }` by index.
 */
import { parentPort, workerData } from 'node:worker_threads'

type Request = { path: string; method?: string; headers?: Record<string, string>; body?: string }
const { url, concurrency, requests } = workerData as { url: string; concurrency: number; requests: Request[] }

const ms = new Array<number>(requests.length)
const status = new Array<number>(requests.length)
let next = 0
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < requests.length) {
      const i = next++
      const r = requests[i] as Request
      const started = performance.now()
      const res = await fetch(`${url}${r.path}`, {
        method: r.method ?? 'GET',
        ...(r.headers ? { headers: r.headers } : {}),
        ...(r.body !== undefined ? { body: r.body } : {}),
      })
      await res.arrayBuffer()
      ms[i] = performance.now() - started
      status[i] = res.status
    }
  }),
)
parentPort?.postMessage({ ms, status })
