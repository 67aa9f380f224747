import type { TaskList } from 'graphile-worker'
import { parseCronItems } from 'graphile-worker'
import type { Database } from '../db/client.js'
import type { Storage } from '../datasets/storage.js'
import type { AnalysisPool } from '../validation/index.js'
import { VALIDATE_TASK } from '../datasets/repository.js'
import type { ValidationEvents } from '../plugins/metrics.js'
import { createValidateDatasetTask } from './dataset__validate.js'
import { createDeriveDatasetTask } from './dataset__derive.js'
import { DERIVE_TASK } from '../datasets/lineage-repository.js'
import { createExpireUploadsTask } from './datasets__expire_uploads.js'
import { createPurgeTrashTask } from './datasets__purge_trash.js'
import { createPurgeSessionsTask } from './sessions__purge_expired.js'

/** What every task is built with. */
export interface TaskDeps {
  db: Database
  storage: Storage
  trashRetentionDays: number
  /** The process's analysis threads: tokenisation never runs on the event loop that serves HTTP. */
  pool: AnalysisPool
  /** Where validation reports its jobs (the metrics). */
  validationEvents?: ValidationEvents
}

/** Every task, named entity__action; each lives in the file of its name. */
export function createTaskList (deps: TaskDeps): TaskList {
  return {
    [VALIDATE_TASK]: createValidateDatasetTask(deps),
    [DERIVE_TASK]: createDeriveDatasetTask(deps),
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
