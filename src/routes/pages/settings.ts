import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { InvalidInput, NotFound } from '../../errors.js'
import { addFlash } from '../../plugins/views.js'
import { TokenPageParams } from '../../schemas/accounts.js'

const settingsPages: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requirePageUser)

  app.get('/settings', async (request, reply) => {
    const tokens = await app.accounts.listTokens(request.user!.id)
    return await reply.render('settings/index', { tokens, newToken: null, error: null })
  })

  app.post('/settings/tokens', async (request, reply) => {
    const userId = request.user!.id
    try {
      const newToken = await app.accounts.createToken(userId, (request.body as { name?: unknown } | undefined)?.name)
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

  app.post('/settings/tokens/:id/revoke', { schema: { params: TokenPageParams } }, async (request, reply) => {
    const revoked = await app.accounts.revokeToken(request.user!.id, request.params.id)
    if (!revoked) throw new NotFound('That token does not exist.')
    addFlash(reply, { kind: 'success', message: 'Token revoked: it stopped working at once.' })
    return await reply.redirect('/settings', 303)
  })
}

export default settingsPages
