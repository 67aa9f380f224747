import type { Task } from 'graphile-worker'
import { createDatasetRepository } from '../datasets/repository.js'
import { createNotificationRepository } from '../notifications/repository.js'
import type { TaskDeps } from './index.js'

export const UPLOAD_EXPIRY_MS = 24 * 3600 * 1000
const MESSAGE = 'The upload never completed: the file was not confirmed within 24 hours.'

/** Cron: datasets still `uploading` after 24 h become `error`, and their objects are deleted. */
export function createExpireUploadsTask ({ db, storage }: TaskDeps): Task {
  const repository = createDatasetRepository(db)
  const notifications = createNotificationRepository(db)
  return async (_payload, helpers) => {
    const stale = await repository.staleUploads(new Date(Date.now() - UPLOAD_EXPIRY_MS))
    for (const dataset of stale) {
      await storage.remove(dataset.storagePath).catch(() => {}) // a PUT may never have happened
      await db.transaction(async tx => {
        const row = await repository.expireUpload(dataset.id, MESSAGE, tx)
        if (row) {
          await notifications.insert({
            userId: row.userId, datasetId: row.id, type: 'dataset_error', title: `"${row.name}" upload expired`, message: MESSAGE
          }, tx)
        }
      })
    }
    if (stale.length) helpers.logger.info(`expired ${stale.length} unfinished upload(s)`)
  }
}
