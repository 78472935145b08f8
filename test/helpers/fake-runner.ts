import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A stand-in for the gpu-runner's OpenAI-compatible chat endpoint (the runner itself is issue 4):
 * `POST /v1/chat/completions` answers with `answer`, as one completion or, with `stream: true`,
 * as server-sent events of a few words each, `delayMs` apart. Records the requests.
 */
export async function startFakeRunner(answer: string, delayMs = 300) {
  const requests: { stream: boolean; messages: unknown }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        stream?: boolean
        messages?: unknown
      }
      requests.push({ stream: !!body.stream, messages: body.messages })
      const base = { id: 'chatcmpl-fake', created: 1_764_000_000, model: 'fake' }
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
          }),
        )
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      const words = answer.match(/\S+\s*/g) ?? []
      for (let i = 0; i < words.length; i += 3) {
        const content = words.slice(i, i + 3).join('')
        res.write(
          `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`,
        )
        await new Promise((r) => setTimeout(r, delayMs))
      }
      res.write(
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
      )
      res.end('data: [DONE]\n\n')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
