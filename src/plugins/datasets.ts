import fp from 'fastify-plugin'
import { createDatasetService, type DatasetService } from '../datasets/service.js'

declare module 'fastify' {
  interface FastifyInstance {
    datasets: DatasetService
  }
}

export default fp<{ maxUploadBytes: number }>(async (app, { maxUploadBytes }) => {
  app.decorate('datasets', createDatasetService({ db: app.db, storage: app.storage, maxUploadBytes }))
}, { name: 'datasets', dependencies: ['db', 'storage'] })
