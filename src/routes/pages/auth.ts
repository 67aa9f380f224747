import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { PublicUser } from '../../accounts/service.js'
import { Conflict, InvalidInput, RateLimited, WrongCredentials } from '../../errors.js'
import { addFlash } from '../../plugins/views.js'

interface CredentialsForm { email?: string, password?: string, next?: string }

/** Only same-site paths: an open redirect through ?next= is not possible. */
export function safeNext (next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])/.test(next) ? next : '/datasets'
}

async function signIn (request: FastifyRequest, user: PublicUser): Promise<void> {
  // A new session id at sign-in: a session fixed before it is worth nothing after.
  await request.session.regenerate()
  request.session.userId = user.id
}

export default async function authPages (app: FastifyInstance) {
  app.get('/', async (request, reply) => await reply.redirect(request.user ? '/datasets' : '/login', 303))

  app.get<{ Querystring: { next?: string } }>('/login', async (request, reply) => {
    if (request.user) return await reply.redirect('/datasets', 303)
    return await reply.render('auth/login', { email: '', next: safeNext(request.query.next), error: null })
  })

  app.post<{ Body: CredentialsForm }>('/login', async (request, reply: FastifyReply) => {
    const { email, password } = request.body ?? {}
    const next = safeNext(request.body?.next)
    let user
    try {
      user = await app.accounts.signIn(request.ip, email, password)
    } catch (error) {
      // The form again, with the email typed and why it failed.
      if (error instanceof RateLimited) {
        reply.header('retry-after', String(error.retryAfterSeconds))
        return await reply.render('auth/login', { email: email ?? '', next, error: error.message }, 429)
      }
      if (error instanceof WrongCredentials) return await reply.render('auth/login', { email: email ?? '', next, error: error.message }, 422)
      throw error
    }
    await signIn(request, user)
    return await reply.redirect(next, 303)
  })

  app.get('/signup', async (request, reply) => {
    if (request.user) return await reply.redirect('/datasets', 303)
    return await reply.render('auth/signup', { email: '', error: null })
  })

  app.post<{ Body: CredentialsForm }>('/signup', async (request, reply) => {
    const { email, password } = request.body ?? {}
    try {
      const user = await app.accounts.signUp(email, password)
      await signIn(request, user)
      addFlash(reply, { kind: 'success', message: 'Welcome! Your account is ready: upload your first dataset.' })
      return await reply.redirect('/datasets', 303)
    } catch (error) {
      if (error instanceof InvalidInput || error instanceof Conflict) {
        return await reply.render('auth/signup', { email: email ?? '', error: error.message }, 422)
      }
      throw error
    }
  })

  app.post('/logout', async (request, reply) => {
    await request.session.destroy()
    return await reply.redirect('/login', 303)
  })
}
