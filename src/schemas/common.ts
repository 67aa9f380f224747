import { Type, type TSchema } from '@sinclair/typebox'
import { UUID_PATTERN } from '../ids.js'

/**
 * Declared input. Params and querystrings are validated by Fastify against these schemas
 * (Ajv: strings are coerced to the declared type, defaults filled in, unknown keys dropped);
 * the error handler turns a failure into one sentence naming the parameter and what it
 * allows (plugins/errors.ts reads `x-message` when a schema gives its own). An empty query
 * parameter (`?status=`) counts as absent, as it always has.
 */

/** One of fixed strings (a plain `enum`: Ajv's message names the values, OpenAPI lists them). */
export function StringEnum<T extends string[]> (values: [...T], options: { default?: T[number], description?: string, 'x-message'?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, ...options })
}

/** `:id` of a resource: anything but a UUID cannot name a row, so it is answered 404 with `notFound`. */
export function IdParams (notFound: string) {
  return Type.Object({ id: Type.String({ pattern: UUID_PATTERN, description: 'a UUID', 'x-message': notFound }) })
}

export function ErrorEnvelope (description?: string) {
  return Type.Object({
    success: Type.Literal(false),
    error: Type.String({ description: 'one human sentence: what was wrong and where' }),
    details: Type.Optional(Type.Object({ field: Type.Optional(Type.String({ description: 'the input at fault' })) }))
  }, { description })
}

export function Ok<T extends TSchema> (data: T) {
  return Type.Object({ success: Type.Literal(true), data })
}

const ERROR_MEANINGS = new Map<number, string>([
  [400, 'bad input: the message names the parameter or field'],
  [401, 'not signed in, or wrong credentials'],
  [403, 'a browser session without its CSRF token, or a request from another site'],
  [404, 'not found (also another user\'s row)'],
  [409, 'the resource is in the wrong state'],
  [413, 'larger than the upload limit'],
  [415, 'not the expected kind of body or file'],
  [429, 'rate limited: see Retry-After'],
  [503, 'storage or the database is unavailable: try again']
])

/** The responses of an /api route: its success and the error statuses it may answer with. */
export function responses (success: Record<number, TSchema>, errors: number[]) {
  const result: Record<number, TSchema> = { ...success }
  for (const status of [401, ...errors]) {
    result[status] = ErrorEnvelope(ERROR_MEANINGS.get(status))
  }
  return result
}
