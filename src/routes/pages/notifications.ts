import type { FastifyInstance } from 'fastify'
import { isUuid } from '../params.js'

export default async function notificationPages (app: FastifyInstance) {
  app.addHook('onRequest', app.requirePageUser)

  app.get('/notifications', async (request, reply) => {
    const notifications = await app.notifications.list(request.user!.id, { limit: 100 })
    return await reply.render('notifications/index', { notifications })
  })

  // The nav bell: refreshed by htmx every 10 s.
  app.get('/notifications/bell', async (request, reply) => {
    return await reply.render('notifications/_bell', { unread: await app.notifications.unreadCount(request.user!.id) })
  })

  app.post<{ Params: { id: string } }>('/notifications/:id/read', async (request, reply) => {
    const found = isUuid(request.params.id) && await app.notifications.markRead(request.user!.id, request.params.id)
    if (!found) return await reply.fail(404, 'Notification not found.')
    return await reply.redirect('/notifications', 303)
  })

  app.post('/notifications/read-all', async (request, reply) => {
    await app.notifications.markAllRead(request.user!.id)
    return await reply.redirect('/notifications', 303)
  })
}
