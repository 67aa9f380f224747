import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NotFound } from '../../errors.js'
import { serializeNotification } from '../../notifications/service.js'
import { responses } from '../../schemas/common.js'
import { MarkedAllRead, MarkedRead, NotificationList, NotificationParams, NotificationsQuery } from '../../schemas/notifications.js'

const tags = ['notifications']

const notificationsApi: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/notifications', {
    schema: { tags, summary: 'Your notifications, newest first (100 at most)', querystring: NotificationsQuery, response: responses({ 200: NotificationList }, [400]) }
  }, async (request, reply) => {
    const rows = await app.notifications.list(request.user!.id, { unreadOnly: request.query.unread === true, limit: 100 })
    return reply.ok({ notifications: rows.map(serializeNotification) })
  })

  app.post('/api/notifications/:id/read', {
    schema: { tags, summary: 'Mark one as read', params: NotificationParams, response: responses({ 200: MarkedRead }, [404]) }
  }, async (request, reply) => {
    if (!await app.notifications.markRead(request.user!.id, request.params.id)) throw new NotFound('Notification not found.')
    return reply.ok({ id: request.params.id, read: true })
  })

  app.post('/api/notifications/read-all', {
    schema: { tags, summary: 'Mark all as read', response: responses({ 200: MarkedAllRead }, []) }
  }, async (request, reply) => reply.ok({ marked: await app.notifications.markAllRead(request.user!.id) }))
}

export default notificationsApi
