import fp from 'fastify-plugin'
import { createNotificationService, type NotificationService } from '../notifications/service.js'

declare module 'fastify' {
  interface FastifyInstance {
    notifications: NotificationService
  }
}

/** The notifications service, and the nav bell's unread count on every page of a signed-in user. */
export default fp(async (app) => {
  const notifications = createNotificationService(app.db)
  app.decorate('notifications', notifications)
  app.shareWithViews('unreadNotifications', async (request: { user: { id: string } | null }) =>
    request.user ? await notifications.unreadCount(request.user.id) : 0, { perPage: true })
}, { name: 'notifications', dependencies: ['db', 'views'] })
