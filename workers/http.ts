/** The one JSON error envelope of the Worker: `{ error: { message, type, code } }`. */
export function problem(message: string, code: string, type = 'invalid_request') {
  return { error: { message, type, code } }
}
