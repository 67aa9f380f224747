import type { FastifyInstance, FastifyRequest } from 'fastify'
import { EmailTaken, InvalidInput } from '../../accounts/service.js'
import { throttleKey, type LoginThrottle } from '../../accounts/login-throttle.js'
import { isUuid } from '../params.js'

interface Credentials { email?: unknown, password?: unknown, name?: unknown }

function isJson (request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')
}

export default async function authApi (app: FastifyInstance, { throttle }: { throttle: LoginThrottle }) {
  // These two calls carry the credentials in a JSON body (no cookie involved): a cross-site
  // form cannot send JSON, and the origin check still applies.
  const credentialRoute = { config: { public: true, csrf: false } }

  app.post<{ Body: Credentials }>('/api/auth/signup', credentialRoute, async (request, reply) => {
    if (!isJson(request)) return await reply.fail(415, 'Send the body as application/json.')
    try {
      const user = await app.accounts.signUp(request.body?.email, request.body?.password)
      return reply.ok({ user }, 201)
    } catch (error) {
      if (error instanceof InvalidInput) return await reply.fail(400, error.message, { field: error.field })
      if (error instanceof EmailTaken) return await reply.fail(409, error.message)
      throw error
    }
  })

  app.post<{ Body: Credentials }>('/api/auth/tokens', credentialRoute, async (request, reply) => {
    if (!isJson(request)) return await reply.fail(415, 'Send the body as application/json.')
    const { email, password, name } = request.body ?? {}
    const key = throttleKey(request.ip, email)
    const wait = throttle.retryAfter(key)
    if (wait > 0) {
      reply.header('retry-after', String(wait))
      return await reply.fail(429, `Too many failed sign-ins. Try again in ${wait} seconds.`)
    }
    const user = await app.accounts.authenticate(email, password)
    if (!user) {
      throttle.fail(key)
      return await reply.fail(401, 'Wrong email or password.')
    }
    throttle.succeed(key)
    try {
      return reply.ok(await app.accounts.createToken(user.id, name), 201)
    } catch (error) {
      if (error instanceof InvalidInput) return await reply.fail(400, error.message, { field: error.field })
      throw error
    }
  })

  app.delete<{ Params: { id: string } }>('/api/auth/tokens/:id', async (request, reply) => {
    const revoked = isUuid(request.params.id) && await app.accounts.revokeToken(request.user!.id, request.params.id)
    if (!revoked) return await reply.fail(404, 'Token not found.')
    return reply.ok({ id: request.params.id, revoked: true })
  })
}
