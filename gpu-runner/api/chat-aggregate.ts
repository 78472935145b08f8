/**
 * Rebuilds a non-streamed chat completion from llama-server's stream. The runner asks llama-server
 * for a stream even when the client did not, because llama-server cancels a generation when a
 * *streaming* client goes away but finishes a non-streamed one regardless (measured: a dropped
 * 4,000-token request kept its slot busy for 4 s). Used for plain chat only (no tools, one
 * choice), where the rebuilt answer is exactly llama-server's own non-streamed shape.
 */
interface Chunk {
  id?: string
  created?: number
  model?: string
  system_fingerprint?: string
  choices?: Array<{
    index?: number
    finish_reason?: string | null
    delta?: { role?: string; content?: string | null; reasoning_content?: string | null }
  }>
  usage?: unknown
  timings?: unknown
  error?: unknown
}

export class ChatAggregator {
  #partial = ''
  #meta: Omit<Chunk, 'choices' | 'usage' | 'timings' | 'error'> = {}
  #role = 'assistant'
  #content: string | null = null
  #reasoning: string | null = null
  #finish: string | null = null
  #usage: unknown
  #timings: unknown
  #error: unknown

  /** Feeds raw SSE text as it arrives. */
  push(text: string): void {
    const lines = (this.#partial + text).split('\n')
    this.#partial = lines.pop() ?? ''
    for (const line of lines) {
      if (!line.startsWith('data: ')) continue
      const data = line.slice(6).trim()
      if (data === '[DONE]' || data === '') continue
      let chunk: Chunk
      try {
        chunk = JSON.parse(data) as Chunk
      } catch {
        continue
      }
      this.#take(chunk)
    }
  }

  #take(chunk: Chunk): void {
    if (chunk.error) this.#error = chunk.error
    const { id, created, model, system_fingerprint } = chunk
    if (id) this.#meta = { created, model, system_fingerprint, id }
    const choice = chunk.choices?.[0]
    if (choice?.delta?.role) this.#role = choice.delta.role
    if (typeof choice?.delta?.content === 'string')
      this.#content = (this.#content ?? '') + choice.delta.content
    if (typeof choice?.delta?.reasoning_content === 'string') {
      this.#reasoning = (this.#reasoning ?? '') + choice.delta.reasoning_content
    }
    if (choice?.finish_reason) this.#finish = choice.finish_reason
    if (chunk.usage) this.#usage = chunk.usage
    if (chunk.timings) this.#timings = chunk.timings
  }

  /** The error event llama-server sent mid-stream, if any. */
  get error(): unknown {
    return this.#error
  }

  /** The `chat.completion` object, in llama-server's own field order. */
  result(): Record<string, unknown> {
    const message: Record<string, unknown> = { role: this.#role, content: this.#content }
    if (this.#reasoning !== null) message.reasoning_content = this.#reasoning
    const { created, model, system_fingerprint, id } = this.#meta
    return {
      choices: [{ finish_reason: this.#finish, index: 0, message }],
      created,
      model,
      system_fingerprint,
      object: 'chat.completion',
      ...(this.#usage ? { usage: this.#usage } : {}),
      id,
      ...(this.#timings ? { timings: this.#timings } : {}),
    }
  }
}

/** Whether a non-streamed chat request can be served from a stream without changing its answer. */
export function canAggregate(body: Record<string, unknown>): boolean {
  return (
    body.stream !== true &&
    body.tools === undefined &&
    body.functions === undefined &&
    (body.n === undefined || body.n === 1) &&
    body.logprobs !== true
  )
}
