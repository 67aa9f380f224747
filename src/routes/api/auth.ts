import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { NotFound, UnsupportedType } from '../../errors.js'
import { responses } from '../../schemas/common.js'
import { NewToken, Revoked, SignedUp, SignUpBody, TokenBody, TokenParams } from '../../schemas/accounts.js'

interface Credentials { email?: unknown, password?: unknown, name?: unknown }

function requireJson (request: FastifyRequest): void {
  if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    throw new UnsupportedType('Send the body as application/json.')
  }
}

const tags = ['accounts']

const authApi: FastifyPluginAsyncTypebox = async (app) => {
  // These two calls carry the credentials in a JSON body (no cookie involved): a cross-site
  // form cannot send JSON, and the origin check still applies.
  const credentialRoute = (body: typeof SignUpBody | typeof TokenBody) => ({ public: true, csrf: false, documentedBody: body })

  app.post('/api/auth/signup', {
    config: credentialRoute(SignUpBody),
    schema: { tags, summary: 'Create an account', response: responses({ 201: SignedUp }, [400, 409, 415]) }
  }, async (request, reply) => {
    requireJson(request)
    const body = (request.body ?? {}) as Credentials
    return reply.ok({ user: await app.accounts.signUp(body.email, body.password) }, 201)
  })

  app.post('/api/auth/tokens', {
    config: credentialRoute(TokenBody),
    schema: { tags, summary: 'Create an API token (shown once)', response: responses({ 201: NewToken }, [400, 415, 429]) }
  }, async (request, reply) => {
    requireJson(request)
    const { email, password, name } = (request.body ?? {}) as Credentials
    const user = await app.accounts.signIn(request.ip, email, password)
    return reply.ok(await app.accounts.createToken(user.id, name), 201)
  })

  app.delete('/api/auth/tokens/:id', {
    schema: { tags, summary: 'Revoke a token: it stops working at once', params: TokenParams, response: responses({ 200: Revoked }, [404]) }
  }, async (request, reply) => {
    const revoked = await app.accounts.revokeToken(request.user!.id, request.params.id)
    if (!revoked) throw new NotFound('Token not found.')
    return reply.ok({ id: request.params.id, revoked: true })
  })
}

export default authApi
