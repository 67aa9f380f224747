import { and, asc, eq, sql } from 'drizzle-orm'
import { datasets, type Dataset } from '../db/schema.js'
import type { Database, Executor } from '../db/client.js'
import { VALIDATE_TASK, VALIDATION_ATTEMPTS } from './repository.js'

/** Derive retries before the outputs are given up as `error` (storage or database down). */
export const DERIVE_ATTEMPTS = 5

/** The derive task's id; its jobs are keyed `dataset__derive:<train output's id>`. */
export const DERIVE_TASK = 'dataset__derive'

/** Derived datasets: their rows, their job, their parent's children (SQL only; derive.ts does the work). */
export function createLineageRepository (db: Database) {
  return {
    /** Queues the derive that writes these outputs; job_key makes a second call replace, never duplicate, it. */
    async enqueueDerive (trainId: string, tx: Executor = db): Promise<void> {
      await tx.execute(sql`select graphile_worker.add_job(${DERIVE_TASK}, json_build_object('datasetId', ${trainId}::text),
        max_attempts := ${DERIVE_ATTEMPTS}, job_key := ${`${DERIVE_TASK}:${trainId}`})`)
    },

    /**
     * Hands a written output to dataset__validate (same task and job key as an upload's), in the
     * queue of its derive: the outputs of one derive are validated one after the other, so a
     * derive holds at most one validation's memory, as one upload does.
     */
    async enqueueOutputValidation (id: string, trainId: string, tx: Executor = db): Promise<void> {
      await tx.execute(sql`select graphile_worker.add_job(${VALIDATE_TASK}, json_build_object('datasetId', ${id}::text),
        max_attempts := ${VALIDATION_ATTEMPTS}, job_key := ${`${VALIDATE_TASK}:${id}`}, queue_name := ${`${DERIVE_TASK}:${trainId}`})`)
    },

    /** The datasets derived from `parentId` (the trash's too: a page says so), oldest first. */
    async children (parentId: string, tx: Executor = db): Promise<Dataset[]> {
      return await tx.select().from(datasets).where(eq(datasets.parentId, parentId)).orderBy(asc(datasets.createdAt), asc(datasets.name))
    },

    /** The files are written: size and recipe (with its counts) set, while the output still waits in `validating`. */
    async finishDerive (id: string, fileSize: number, recipe: unknown, tx: Executor = db): Promise<Dataset | null> {
      const [row] = await tx.update(datasets).set({ fileSize, recipe, updatedAt: new Date() })
        .where(and(eq(datasets.id, id), eq(datasets.status, 'validating'))).returning()
      return row ?? null
    },

    /** The derive could not be carried out: the output ends `error` with why. */
    async failDerive (id: string, message: string, tx: Executor = db): Promise<Dataset | null> {
      const [row] = await tx.update(datasets).set({ status: 'error', errorMessage: message, trainingReady: false, validatedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(datasets.id, id), eq(datasets.status, 'validating'))).returning()
      return row ?? null
    }
  }
}

export type LineageRepository = ReturnType<typeof createLineageRepository>
