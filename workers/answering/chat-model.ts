import OpenAI from 'openai'
import { PolicybotError } from '../errors'

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** A chat model: the gpu-runner, llama-server or any OpenAI-compatible endpoint. */
export interface ChatModel {
  readonly model: string
  complete(messages: ChatMessage[], options?: { maxTokens?: number; temperature?: number }): Promise<string>
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
  return {
    model: options.model,
    async complete(messages, opts) {
      try {
        const res = await client.chat.completions.create({
          model: options.model,
          messages,
          temperature: opts?.temperature ?? 0,
          max_tokens: opts?.maxTokens ?? 600,
        })
        return res.choices[0]?.message?.content ?? ''
      } catch (e) {
        const detail = e instanceof Error ? e.message : String(e)
        throw new PolicybotError(
          'CHAT_ERROR',
          `Chat request to ${options.baseURL} (model ${options.model}) failed: ${detail}`,
          {
            cause: e,
          },
        )
      }
    },
  }
}
