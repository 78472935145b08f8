import OpenAI from 'openai'
import { PolicybotError } from '../errors'

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface ChatOptions {
  maxTokens?: number
  temperature?: number
  /** Told which model and runner produced the text (a fleet may fail over to another runner). */
  served?: (by: { model: string; runner?: string }) => void
}

/** A chat model: the gpu-runner, llama-server or any OpenAI-compatible endpoint. */
export interface ChatModel {
  readonly model: string
  complete(messages: ChatMessage[], options?: ChatOptions): Promise<string>
  /** The same completion as text deltas, as the model produces them. */
  stream?(messages: ChatMessage[], options?: ChatOptions): AsyncIterable<string>
}

export interface OpenAIChatOptions {
  baseURL: string
  apiKey?: string
  model: string
  /** Per-request timeout (default 60 s). */
  timeoutMs?: number
  fetch?: typeof fetch
}

/** A chat model behind an OpenAI-compatible `/v1/chat/completions`, through the `openai` package. */
export function createOpenAIChat(options: OpenAIChatOptions): ChatModel {
  const client = new OpenAI({
    baseURL: options.baseURL,
    apiKey: options.apiKey ?? 'none',
    timeout: options.timeoutMs ?? 60_000,
    maxRetries: 2,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const failed = (e: unknown) =>
    new PolicybotError(
      'CHAT_ERROR',
      `Chat request to ${options.baseURL} (model ${options.model}) failed: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    )
  return {
    model: options.model,
    async *stream(messages, opts) {
      let chunks: AsyncIterable<{ choices: { delta?: { content?: string | null } }[] }>
      try {
        chunks = await client.chat.completions.create({
          model: options.model,
          messages,
          temperature: opts?.temperature ?? 0,
          max_tokens: opts?.maxTokens ?? 600,
          stream: true,
        })
      } catch (e) {
        throw failed(e)
      }
      try {
        for await (const chunk of chunks) {
          const delta = chunk.choices[0]?.delta?.content
          if (delta) yield delta
        }
        opts?.served?.({ model: options.model })
      } catch (e) {
        throw failed(e)
      }
    },
    async complete(messages, opts) {
      try {
        const res = await client.chat.completions.create({
          model: options.model,
          messages,
          temperature: opts?.temperature ?? 0,
          max_tokens: opts?.maxTokens ?? 600,
        })
        opts?.served?.({ model: options.model })
        return res.choices[0]?.message?.content ?? ''
      } catch (e) {
        throw failed(e)
      }
    },
  }
}
