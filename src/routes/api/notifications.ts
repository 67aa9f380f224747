import type { FastifyInstance } from 'fastify'
import { serializeNotification } from '../../notifications/service.js'
import { isUuid } from '../params.js'

export default async function notificationsApi (app: FastifyInstance) {
  app.get<{ Querystring: { unread?: string } }>('/api/notifications', async (request, reply) => {
    const unread = request.query.unread
    if (unread !== undefined && unread !== 'true' && unread !== 'false') return await reply.fail(400, 'unread must be true or false.')
    const rows = await app.notifications.list(request.user!.id, { unreadOnly: unread === 'true', limit: 100 })
    return reply.ok({ notifications: rows.map(serializeNotification) })
  })

  app.post<{ Params: { id: string } }>('/api/notifications/:id/read', async (request, reply) => {
    const found = isUuid(request.params.id) && await app.notifications.markRead(request.user!.id, request.params.id)
    if (!found) return await reply.fail(404, 'Notification not found.')
    return reply.ok({ id: request.params.id, read: true })
  })

  app.post('/api/notifications/read-all', async (request, reply) => {
    return reply.ok({ marked: await app.notifications.markAllRead(request.user!.id) })
  })
}
