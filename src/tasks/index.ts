import type { TaskList } from 'graphile-worker'
import { parseCronItems } from 'graphile-worker'
import { createValidateDatasetTask, type TaskDeps } from './validate-dataset.js'
import { createExpireUploadsTask } from './expire-uploads.js'
import { createPurgeTrashTask } from './purge-trash.js'
import { createPurgeSessionsTask } from './purge-sessions.js'

/** Every task, named entity__action. */
export function createTaskList (deps: TaskDeps): TaskList {
  return {
    dataset__validate: createValidateDatasetTask(deps),
    datasets__expire_uploads: createExpireUploadsTask(deps),
    datasets__purge_trash: createPurgeTrashTask(deps),
    sessions__purge_expired: createPurgeSessionsTask(deps)
  }
}

export const cronItems = parseCronItems([
  { task: 'datasets__expire_uploads', match: '7 * * * *', options: { backfillPeriod: 0 } },
  { task: 'datasets__purge_trash', match: '23 3 * * *', options: { backfillPeriod: 0 } },
  { task: 'sessions__purge_expired', match: '41 * * * *', options: { backfillPeriod: 0 } }
])
