import type { FastifyInstance } from 'fastify'
import { InvalidInput } from '../../accounts/service.js'
import { addFlash } from '../../plugins/views.js'
import { isUuid } from '../params.js'

export default async function settingsPages (app: FastifyInstance) {
  app.addHook('onRequest', app.requirePageUser)

  app.get('/settings', async (request, reply) => {
    const tokens = await app.accounts.listTokens(request.user!.id)
    return await reply.render('settings/index', { tokens, newToken: null, error: null })
  })

  app.post<{ Body: { name?: string } }>('/settings/tokens', async (request, reply) => {
    const userId = request.user!.id
    try {
      const newToken = await app.accounts.createToken(userId, request.body?.name)
      const tokens = await app.accounts.listTokens(userId)
      // Shown on this response only: the token is stored hashed and cannot be shown again.
      reply.header('cache-control', 'no-store')
      return await reply.render('settings/index', { tokens, newToken, error: null }, 201)
    } catch (error) {
      if (!(error instanceof InvalidInput)) throw error
      const tokens = await app.accounts.listTokens(userId)
      return await reply.render('settings/index', { tokens, newToken: null, error: error.message }, 422)
    }
  })

  app.post<{ Params: { id: string } }>('/settings/tokens/:id/revoke', async (request, reply) => {
    const revoked = isUuid(request.params.id) && await app.accounts.revokeToken(request.user!.id, request.params.id)
    if (!revoked) return await reply.fail(404, 'That token does not exist.')
    addFlash(reply, { kind: 'success', message: 'Token revoked: it stopped working at once.' })
    return await reply.redirect('/settings', 303)
  })
}
