import type { z } from 'zod'
import { MalformedPayloadError } from './types'

/** Zod issues as one readable line: `path: message; path: message` (`root` names the top). */
export function describeIssues(error: z.ZodError, root = 'body'): string {
  return error.issues.map((i) => `${i.path.join('.') || root}: ${i.message}`).join('; ')
}

/**
 * Parses JSON text against a minimal schema. Text that is not JSON, or JSON without the fields the
 * schema needs, throws `MalformedPayloadError` with `notJson` or `what` and the first problem.
 */
export function parseJsonPayload<T extends z.ZodType>(
  schema: T,
  text: string,
  messages: { notJson: string; what: string; root?: string },
): z.infer<T> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new MalformedPayloadError(messages.notJson)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 1)
    throw new MalformedPayloadError(
      `${messages.what}: ${describeIssues({ issues: first } as z.ZodError, messages.root)}`,
    )
  }
  return parsed.data
}
