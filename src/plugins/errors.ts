import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { Busy, DomainError, RateLimited, statusOf } from '../errors.js'
import { isApiRequest } from './responses.js'

type Schema = Record<string, unknown>

/** The API's error envelope for /api and non-HTML clients, the error page for browsers. */
async function answer (request: FastifyRequest, reply: FastifyReply, status: number, message: string, field?: string): Promise<FastifyReply> {
  reply.code(status)
  if (isApiRequest(request.url) || !request.headers.accept?.includes('text/html')) {
    return reply.send(field === undefined ? { success: false, error: message } : { success: false, error: message, details: { field } })
  }
  return reply.type('text/html; charset=utf-8').send(await reply.page('errors/error', { status, message }))
}

const number = (value: unknown) => Number(value).toLocaleString('en-US')

function allowed (values: unknown[]): string {
  return values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`
}

/** One sentence for a parameter that failed its schema: its name and what it allows. */
export function describeParameter (name: string, schema: Schema, keyword: string): string {
  if (typeof schema['x-message'] === 'string') return schema['x-message']
  if (Array.isArray(schema.enum)) return `${name} must be ${allowed(schema.enum)}.`
  if (schema.type === 'integer') {
    const range = schema.minimum === undefined ? '' : ` from ${number(schema.minimum)}${schema.maximum === undefined ? '' : ` to ${number(schema.maximum)}`}`
    return `${name} must be a whole number${range}.`
  }
  if (schema.type === 'boolean') return `${name} must be true or false.`
  if (schema.type === 'string' && keyword === 'maxLength') return `${name} must be at most ${number(schema.maxLength)} characters.`
  if (schema.type === 'string') return `${name} must be text.`
  return `${name} is not valid.`
}

interface ValidationFailure { instancePath: string, keyword: string, params: { missingProperty?: string } }

/** A request that failed its route's schema: 404 for an id in the path (it names no row), else 400. */
function describeValidation (error: FastifyError, request: FastifyRequest): { status: number, message: string, field?: string } {
  const context = error.validationContext ?? 'querystring'
  const status = context === 'params' ? 404 : 400
  const failure = error.validation?.[0] as ValidationFailure | undefined
  const name = failure?.params.missingProperty ?? failure?.instancePath.split('/')[1]
  const routeSchema = (request.routeOptions.schema ?? {}) as Record<string, Schema | undefined>
  const partSchema = routeSchema[context] ?? (context === 'querystring' ? routeSchema.query : undefined)
  const properties = (partSchema?.properties ?? {}) as Record<string, Schema>
  if (!failure || name === undefined || !Object.hasOwn(properties, name)) return { status, message: error.message }
  const message = describeParameter(name, properties[name], failure.keyword)
  return { status, message, field: status === 400 ? name : undefined }
}

/**
 * Errors become responses here and only here: domain errors by their kind (errors.ts), schema
 * failures with a sentence naming the parameter, Fastify's own client errors with their message,
 * anything else as a 500 that never shows internals.
 */
export default fp(async (app) => {
  // Set before any route is registered: routes keep the error handler of their registration time.
  app.setErrorHandler(async (error: FastifyError | DomainError, request, reply) => {
    if (error instanceof DomainError) {
      if (error instanceof RateLimited || error instanceof Busy) reply.header('retry-after', String(error.retryAfterSeconds))
      return await answer(request, reply, statusOf(error), error.message, error.field)
    }
    if ('validation' in error && error.validation) {
      const { status, message, field } = describeValidation(error, request)
      return await answer(request, reply, status, message, field)
    }
    const status = 'statusCode' in error && error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    return await answer(request, reply, status, status < 500 ? error.message : 'Something went wrong on our side. Please try again.')
  })

  app.setNotFoundHandler(async (request, reply) => {
    if (isApiRequest(request.url)) return await answer(request, reply, 404, 'Not found.')
    return await reply.render('errors/not-found', {}, 404)
  })

  // `?status=` means what no `status` means (the page's forms send empty fields).
  app.addHook('preValidation', async (request) => {
    const query = request.query as Record<string, unknown> | null
    if (query && typeof query === 'object') for (const key of Object.keys(query)) if (query[key] === '') delete query[key]
  })
}, { name: 'errors', dependencies: ['views'] })
