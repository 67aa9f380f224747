import fp from 'fastify-plugin'
import { createDatasetService, type DatasetService } from '../datasets/service.js'
import { createHandoffService, type HandoffService } from '../datasets/handoff.js'
import { vocabulary } from '../datasets/vocabulary.js'
import { progressView } from '../datasets/progress.js'
import { ByteBudget } from '../datasets/byte-budget.js'
import type { Config } from '../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    datasets: DatasetService
    /** Export, derive, lineage and the training manifest (issue 15). */
    handoff: HandoffService
  }
}

export interface DatasetsPluginOptions {
  maxUploadBytes: number
  uploads: Config['uploads']
}

export default fp<DatasetsPluginOptions>(async (app, { maxUploadBytes, uploads }) => {
  // One budget for the whole process: every upload's part buffers come out of it.
  const budget = new ByteBudget(uploads.bufferBytes)
  app.decorate('datasets', createDatasetService({
    db: app.db,
    storage: app.storage,
    maxUploadBytes,
    uploads: { budget, queueTimeoutMs: uploads.queueTimeoutSeconds * 1000, idleTimeoutMs: uploads.idleTimeoutSeconds * 1000 },
    events: app.metrics.uploadEvents
  }))
  app.decorate('handoff', createHandoffService({ db: app.db, storage: app.storage, datasets: app.datasets }))
  // Statuses, their labels, final states and turn roles: templates say them as code does.
  app.shareWithViews('vocabulary', vocabulary)
  app.shareWithViews('progressView', progressView)
}, { name: 'datasets', dependencies: ['db', 'storage', 'views', 'metrics'] })
