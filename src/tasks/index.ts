import type { TaskList } from 'graphile-worker'
import { parseCronItems } from 'graphile-worker'
import { createValidateDatasetTask, type TaskDeps } from './validate-dataset.js'
import { createExpireUploadsTask } from './expire-uploads.js'

/** Every task, named entity__action. */
export function createTaskList (deps: TaskDeps): TaskList {
  return {
    dataset__validate: createValidateDatasetTask(deps),
    datasets__expire_uploads: createExpireUploadsTask(deps)
  }
}

export const cronItems = parseCronItems([
  { task: 'datasets__expire_uploads', match: '7 * * * *', options: { backfillPeriod: 0 } }
])
