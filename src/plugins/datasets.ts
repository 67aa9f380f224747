import fp from 'fastify-plugin'
import { createDatasetService, type DatasetService } from '../datasets/service.js'
import { vocabulary } from '../datasets/vocabulary.js'

declare module 'fastify' {
  interface FastifyInstance {
    datasets: DatasetService
  }
}

export default fp<{ maxUploadBytes: number }>(async (app, { maxUploadBytes }) => {
  app.decorate('datasets', createDatasetService({ db: app.db, storage: app.storage, maxUploadBytes }))
  // Statuses, their labels, final states and turn roles: templates say them as code does.
  app.shareWithViews('vocabulary', vocabulary)
}, { name: 'datasets', dependencies: ['db', 'storage', 'views'] })
