import type { Task } from 'graphile-worker'
import { createDatasetService } from '../datasets/service.js'
import type { TaskDeps } from './index.js'

/** Cron: datasets deleted more than `retentionDays` ago lose their object, then their row. */
export function createPurgeTrashTask ({ db, storage, trashRetentionDays }: TaskDeps): Task {
  const service = createDatasetService({ db, storage, maxUploadBytes: 0 })
  return async (_payload, helpers) => {
    const purged = await service.purgeTrash(new Date(Date.now() - trashRetentionDays * 24 * 3600 * 1000))
    if (purged) helpers.logger.info(`purged ${purged} dataset(s) from the trash`)
  }
}
