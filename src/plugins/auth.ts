import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { createAccountService, type AccountService, type PublicUser } from '../accounts/service.js'

declare module 'fastify' {
  interface FastifyInstance {
    accounts: AccountService
    /** onRequest hook for pages: redirects to /login when signed out. */
    requirePageUser: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
  interface FastifyRequest {
    user: PublicUser | null
    authMethod: 'session' | 'token' | null
  }
}

export default fp(async (app) => {
  const accounts = createAccountService(app.db)
  app.decorate('accounts', accounts)
  app.decorateRequest('user', null)
  app.decorateRequest('authMethod', null)

  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
      const user = match ? await accounts.userForToken(match[1]) : null
      if (user) {
        request.user = { id: user.id, email: user.email }
        request.authMethod = 'token'
      }
      return
    }
    const userId = request.session?.userId
    if (userId) {
      // The store read the user's email with the session; null means the user is gone.
      const email = request.session.userEmail
      const user = email === undefined ? await accounts.findUser(userId) : email === null ? null : { id: userId, email }
      if (user) {
        request.user = user
        request.authMethod = 'session'
      } else {
        delete request.session.userId
      }
    }
  })

  app.decorate('requirePageUser', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.user) return
    const next = request.url.startsWith('/') && !request.url.startsWith('//') ? request.url : '/datasets'
    if (request.headers['hx-request'] === 'true') {
      // A fragment asked for by htmx: send the whole page to the sign-in form.
      await reply.header('HX-Redirect', '/login').code(401).send('')
      return
    }
    await reply.redirect(`/login?next=${encodeURIComponent(next)}`, 303)
  })
}, { name: 'auth', dependencies: ['db', 'session'] })
