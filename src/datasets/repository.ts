import { and, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm'
import { datasets, type Dataset, type StoredProgress } from '../db/schema.js'
import type { Database, Executor } from '../db/client.js'
import { createCountsRepository, type Counts } from '../accounts/counts-repository.js'
import { LIST_COLUMNS, toDataset } from './rows.js'
import type { DatasetStatus, SortKey } from './vocabulary.js'

export type NewDataset = typeof datasets.$inferInsert

/** Validation retries before a dataset is given up as `error` (storage or database down). */
export const VALIDATION_ATTEMPTS = 5

/** The validation task's id; its jobs are keyed `dataset__validate:<dataset id>`. */
export const VALIDATE_TASK = 'dataset__validate'

/** Case folding for search, done in code rather than by the database: the same on every Postgres locale. */
export function foldForSearch (text: string): string {
  return text.normalize('NFC').toLowerCase()
}

/** One page of the list, as the service asks for it (defaults applied). */
export interface ListFilter {
  page: number
  limit: number
  status: DatasetStatus | null
  search: string | null
  sort: SortKey
  order: 'asc' | 'desc'
  deleted: boolean
  /** Only uploads (no parent) or only derived datasets; null: both. */
  origin: 'uploaded' | 'derived' | null
}

/** Only these words reach the SQL text: the sort key's column (each has an index, drizzle/0006). */
const SORT_COLUMNS = new Map<SortKey, string>([
  ['created_at', 'created_at'], ['name', 'name'], ['file_size', 'file_size'], ['status', 'status'], ['updated_at', 'updated_at']
])

/** From this offset on, a page may be read backwards (see listPage). */
const DEEP_OFFSET = 2000

const PAGE_COLUMNS = LIST_COLUMNS.map(column => `d.${column}`).join(', ')

/** The total the counts already know: anything but a search, or a status filter in the trash. */
function knownTotal (filter: ListFilter, counts: Counts): number | null {
  if (filter.search || filter.origin) return null
  if (filter.deleted) return filter.status ? null : counts.deleted
  return filter.status ? counts.summary[filter.status] : counts.summary.total
}

/**
 * The datasets table. The hot reads (a dataset by id, the list page) are plain postgres.js SQL:
 * drizzle's query building and row mapping were a fifth of a list page's CPU (rows.ts maps the
 * rows). Methods that take a `tx` run in it: asUser's transaction for a user's requests (row-level
 * security applies), the pool (owner role) for tasks.
 */
export function createDatasetRepository (db: Database) {
  const counts = createCountsRepository(db)
  return {
    async insert (values: NewDataset, tx: Executor = db): Promise<Dataset> {
      const [row] = await tx.insert(datasets).values(values).returning()
      return row
    },

    /** Queues validation; job_key makes a second call replace, never duplicate, the job. */
    async enqueueValidation (id: string, tx: Executor = db): Promise<void> {
      await tx.execute(sql`select graphile_worker.add_job(${VALIDATE_TASK}, json_build_object('datasetId', ${id}::text),
        max_attempts := ${VALIDATION_ATTEMPTS}, job_key := ${`${VALIDATE_TASK}:${id}`})`)
    },

    /** One dataset with its report, by id (row-level security decides who sees it). */
    async findById (id: string, tx: Database = db): Promise<Dataset | null> {
      const [row] = await tx.$client`select * from datasets where id = ${id} limit 1`
      return row ? toDataset(row) : null
    },

    /** uploading → validating, for the owner only; null when the row is not in that state. */
    async markValidating (id: string, userId: string, tx: Executor = db): Promise<Dataset | null> {
      const [row] = await tx.update(datasets).set({ status: 'validating', updatedAt: new Date() })
        .where(and(eq(datasets.id, id), eq(datasets.userId, userId), eq(datasets.status, 'uploading'), isNull(datasets.deletedAt)))
        .returning()
      return row ?? null
    },

    /** ready or error → validating with a tokenizer and limit, results cleared; null when the row is in no such state. */
    async markRevalidating (id: string, userId: string, tokenizer: string, contextLimit: number, tx: Executor = db): Promise<Dataset | null> {
      const [row] = await tx.update(datasets).set({
        status: 'validating', tokenizer, contextLimit, stats: null, report: null, issueCounts: {}, errorMessage: null, trainingReady: false, validatedAt: null, updatedAt: new Date()
      })
        .where(and(eq(datasets.id, id), eq(datasets.userId, userId), inArray(datasets.status, ['ready', 'error']), isNull(datasets.deletedAt)))
        .returning()
      return row ?? null
    },

    /** A running job's progress on its datasets (progress.ts); only datasets still `validating` take it. */
    async recordProgress (ids: string[], progress: StoredProgress, tx: Executor = db): Promise<void> {
      await tx.update(datasets).set({ progress }).where(and(inArray(datasets.id, ids), eq(datasets.status, 'validating')))
    },

    /** Writes the outcome once: only a dataset still `validating` is updated; its progress is cleared. */
    async finishValidation (id: string, values: Partial<NewDataset>, tx: Executor = db): Promise<Dataset | null> {
      const [row] = await tx.update(datasets).set({ ...values, progress: null, updatedAt: new Date() })
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

    /** Into the trash; null when it was there already. */
    async softDelete (userId: string, id: string, tx: Executor = db): Promise<Dataset | null> {
      const [row] = await tx.update(datasets).set({ deletedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(datasets.id, id), eq(datasets.userId, userId), isNull(datasets.deletedAt))).returning()
      return row ?? null
    },

    /** Out of the trash; null when it was not there. */
    async restore (userId: string, id: string, tx: Executor = db): Promise<Dataset | null> {
      const [row] = await tx.update(datasets).set({ deletedAt: null, updatedAt: new Date() })
        .where(and(eq(datasets.id, id), eq(datasets.userId, userId), isNotNull(datasets.deletedAt))).returning()
      return row ?? null
    },

    async deletedBefore (cutoff: Date, tx: Executor = db): Promise<Dataset[]> {
      return await tx.select().from(datasets).where(and(isNotNull(datasets.deletedAt), lt(datasets.deletedAt, cutoff)))
    },

    /** Removes the row if it is still in the trash since before `cutoff`. */
    async purge (id: string, cutoff: Date, tx: Executor = db): Promise<void> {
      await tx.delete(datasets).where(and(eq(datasets.id, id), isNotNull(datasets.deletedAt), lt(datasets.deletedAt, cutoff)))
    },

    /**
     * One page of the list and its total, in two queries sent together: the counts row and the
     * page (its ids from the sort's index, however deep, joined to their rows without the report).
     * A search counts its matches in the same scan; only a page beyond the last one of a search
     * needs a third query for the total. Run as the user; the user id is a condition as well.
     */
    async listPage (userId: string, filter: ListFilter, tx: Database = db): Promise<{ rows: Dataset[], total: number, counts: Counts }> {
      const sql = tx.$client
      const column = SORT_COLUMNS.get(filter.sort)!
      const direction = filter.order === 'asc' ? 'asc' : 'desc'
      const where = () => sql`user_id = ${userId} and deleted_at ${filter.deleted ? sql`is not null` : sql`is null`}
        ${filter.status ? sql`and status = ${filter.status}` : sql``}
        ${filter.search ? sql`and strpos(name_search, ${foldForSearch(filter.search)}) > 0` : sql``}
        ${filter.origin === null ? sql`` : filter.origin === 'derived' ? sql`and parent_id is not null` : sql`and parent_id is null`}`
      const countInPage = filter.search !== null || filter.origin !== null || (filter.deleted && filter.status !== null)
      const offset = (filter.page - 1) * filter.limit
      const page = (direction: 'asc' | 'desc', limit: number, offset: number) => {
        const orderBy = (alias: string) => sql.unsafe(`${alias}${column} ${direction}, ${alias}id ${direction}`)
        return sql`select ${sql.unsafe(PAGE_COLUMNS)}, page.matches from (
            select id, ${countInPage ? sql`count(*) over ()` : sql`null::bigint`} as matches from datasets where ${where()}
            order by ${orderBy('')} limit ${limit} offset ${offset}
          ) page join datasets d on d.id = page.id
          order by ${orderBy('d.')}`
      }
      // A page past the middle of a long list is read from the other end of the index, whose
      // total the counts know: the last pages cost what the first ones do. The counts come first
      // then (one more round trip), worth it from a few thousand rows on.
      if (offset >= DEEP_OFFSET && !countInPage) {
        const userCounts = await counts.read(userId, tx)
        const total = knownTotal(filter, userCounts)!
        if (offset >= total) return { rows: [], total, counts: userCounts }
        if (offset > total / 2) {
          const limit = Math.min(filter.limit, total - offset)
          const reversed = await page(direction === 'asc' ? 'desc' : 'asc', limit, total - offset - limit)
          return { rows: reversed.map(toDataset).reverse(), total, counts: userCounts }
        }
        return { rows: (await page(direction, filter.limit, offset)).map(toDataset), total, counts: userCounts }
      }
      const [userCounts, found] = await Promise.all([counts.read(userId, tx), page(direction, filter.limit, offset)])
      let total = knownTotal(filter, userCounts) ?? (found.length ? Number(found[0].matches) : null)
      if (total === null) total = Number((await sql`select count(*) as n from datasets where ${where()}`)[0].n)
      return { rows: found.map(toDataset), total, counts: userCounts }
    }
  }
}

export type DatasetRepository = ReturnType<typeof createDatasetRepository>
