import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NotFound } from '../../errors.js'
import { NotificationParams } from '../../schemas/notifications.js'

const notificationPages: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requirePageUser)

  app.get('/notifications', async (request, reply) => {
    const notifications = await app.notifications.list(request.user!.id, { limit: 100 })
    return await reply.render('notifications/index', { notifications })
  })

  // The nav bell: refreshed by htmx every 10 s.
  app.get('/notifications/bell', async (request, reply) => {
    return await reply.render('notifications/_bell', { unread: await app.notifications.unreadCount(request.user!.id) })
  })

  app.post('/notifications/:id/read', { schema: { params: NotificationParams } }, async (request, reply) => {
    if (!await app.notifications.markRead(request.user!.id, request.params.id)) throw new NotFound('Notification not found.')
    return await reply.redirect('/notifications', 303)
  })

  app.post('/notifications/read-all', async (request, reply) => {
    await app.notifications.markAllRead(request.user!.id)
    return await reply.redirect('/notifications', 303)
  })
}

export default notificationPages
