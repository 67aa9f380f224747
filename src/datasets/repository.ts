import { and, eq, isNull, lt, sql } from 'drizzle-orm'
import { datasets, notifications, type Dataset } from '../db/schema.js'
import type { Executor } from '../db/client.js'

export type NewDataset = typeof datasets.$inferInsert

/** Validation retries before a dataset is given up as `error` (storage or database down). */
export const VALIDATION_ATTEMPTS = 5

export function createDatasetRepository (db: Executor) {
  return {
    async insert (values: NewDataset, tx: Executor = db): Promise<Dataset> {
      const [row] = await tx.insert(datasets).values(values).returning()
      return row
    },

    /** Queues validation; job_key makes a second call replace, never duplicate, the job. */
    async enqueueValidation (id: string, tx: Executor = db): Promise<void> {
      await tx.execute(sql`select graphile_worker.add_job('dataset__validate', json_build_object('datasetId', ${id}::text),
        max_attempts := ${VALIDATION_ATTEMPTS}, job_key := ${'validate:' + id})`)
    },

    /** uploading → validating, for the owner only; null when the row is not in that state. */
    async markValidating (id: string, userId: string, tx: Executor = db): Promise<Dataset | null> {
      const [row] = await tx.update(datasets).set({ status: 'validating', updatedAt: new Date() })
        .where(and(eq(datasets.id, id), eq(datasets.userId, userId), eq(datasets.status, 'uploading'), isNull(datasets.deletedAt)))
        .returning()
      return row ?? null
    },

    /** Writes the outcome once: only a dataset still `validating` is updated. */
    async finishValidation (id: string, values: Partial<NewDataset>, tx: Executor = db): Promise<Dataset | null> {
      const [row] = await tx.update(datasets).set({ ...values, updatedAt: new Date() })
        .where(and(eq(datasets.id, id), eq(datasets.status, 'validating')))
        .returning()
      return row ?? null
    },

    async staleUploads (olderThan: Date, tx: Executor = db): Promise<Dataset[]> {
      return await tx.select().from(datasets).where(and(eq(datasets.status, 'uploading'), lt(datasets.createdAt, olderThan)))
    },

    async expireUpload (id: string, message: string, tx: Executor = db): Promise<Dataset | null> {
      const [row] = await tx.update(datasets).set({ status: 'error', errorMessage: message, trainingReady: false, updatedAt: new Date() })
        .where(and(eq(datasets.id, id), eq(datasets.status, 'uploading')))
        .returning()
      return row ?? null
    },

    async insertNotification (values: typeof notifications.$inferInsert, tx: Executor = db): Promise<void> {
      await tx.insert(notifications).values(values)
    }
  }
}

export type DatasetRepository = ReturnType<typeof createDatasetRepository>
