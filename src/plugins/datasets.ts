import fp from 'fastify-plugin'
import { createDatasetService, type DatasetService } from '../datasets/service.js'
import { createNotificationService, type NotificationService } from '../notifications/service.js'

declare module 'fastify' {
  interface FastifyInstance {
    datasets: DatasetService
    notifications: NotificationService
  }
}

export default fp<{ maxUploadBytes: number }>(async (app, { maxUploadBytes }) => {
  app.decorate('datasets', createDatasetService({ db: app.db, storage: app.storage, maxUploadBytes }))
  app.decorate('notifications', createNotificationService(app.db))
}, { name: 'datasets', dependencies: ['db', 'storage'] })
