import { and, asc, count, desc, eq, getTableColumns, isNotNull, isNull, sql, type SQL } from 'drizzle-orm'
import { datasets, userCounts, DATASET_STATUSES, type DatasetStatus } from '../db/schema.js'
import type { Executor } from '../db/client.js'
import { DatasetError } from './errors.js'

/** Case folding for search, done in code rather than by the database: the same on every Postgres locale. */
export function foldForSearch (text: string): string {
  return text.normalize('NFC').toLowerCase()
}

export const SORTS = { created_at: datasets.createdAt, name: datasets.name, file_size: datasets.fileSize, status: datasets.status, updated_at: datasets.updatedAt } as const
export type SortKey = keyof typeof SORTS

export interface ListQuery {
  page: number
  limit: number
  status: DatasetStatus | null
  search: string | null
  sort: SortKey
  order: 'asc' | 'desc'
  deleted: boolean
}

export const MAX_LIMIT = 100

function positiveInt (value: unknown, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined || value === '') return fallback
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new DatasetError(400, `${name} must be a whole number from 1 to ${max.toLocaleString('en-US')}.`, name)
  }
  return Number(value)
}

/** Query string → ListQuery; anything out of range is a 400 naming the parameter. */
export function parseListQuery (query: Record<string, unknown>): ListQuery {
  const status = query.status === undefined || query.status === '' || query.status === 'all' ? null : query.status
  if (status !== null && !DATASET_STATUSES.includes(status as DatasetStatus)) {
    throw new DatasetError(400, `status must be one of ${DATASET_STATUSES.join(', ')}.`, 'status')
  }
  const sort = query.sort === undefined || query.sort === '' ? 'created_at' : query.sort
  if (typeof sort !== 'string' || !Object.hasOwn(SORTS, sort)) throw new DatasetError(400, `sort must be one of ${Object.keys(SORTS).join(', ')}.`, 'sort')
  const defaultOrder = sort === 'created_at' || sort === 'updated_at' || sort === 'file_size' ? 'desc' : 'asc'
  const order = query.order === undefined || query.order === '' ? defaultOrder : query.order
  if (order !== 'asc' && order !== 'desc') throw new DatasetError(400, 'order must be asc or desc.', 'order')
  const deleted = query.deleted === undefined || query.deleted === '' ? 'false' : query.deleted
  if (deleted !== 'true' && deleted !== 'false') throw new DatasetError(400, 'deleted must be true or false.', 'deleted')
  const search = typeof query.search === 'string' ? query.search.trim() : query.search === undefined ? '' : null
  if (search === null) throw new DatasetError(400, 'search must be text.', 'search')
  if (search.length > 200) throw new DatasetError(400, 'search must be at most 200 characters.', 'search')
  return {
    page: positiveInt(query.page, 'page', 1, 1_000_000),
    limit: positiveInt(query.limit, 'limit', 20, MAX_LIMIT),
    status: status as DatasetStatus | null,
    search: search || null,
    sort: sort as SortKey,
    order,
    deleted: deleted === 'true'
  }
}

/** The user's counts (kept by triggers, drizzle/0006_list_counters.sql); zeros before the first dataset. */
export async function readCounts (tx: Executor, userId: string) {
  const [row] = await tx.select().from(userCounts).where(eq(userCounts.userId, userId)).limit(1)
  const counts = { uploading: row?.uploading ?? 0, validating: row?.validating ?? 0, ready: row?.ready ?? 0, error: row?.error ?? 0 }
  return {
    summary: { total: counts.uploading + counts.validating + counts.ready + counts.error, ...counts },
    deleted: row?.deleted ?? 0,
    unreadNotifications: row?.unreadNotifications ?? 0
  }
}
export type Counts = Awaited<ReturnType<typeof readCounts>>

/** The total the counts already know: anything but a search, or a status filter in the trash. */
function knownTotal (query: ListQuery, counts: Counts): number | null {
  if (query.search) return null
  if (query.deleted) return query.status ? null : counts.deleted
  return query.status ? counts.summary[query.status] : counts.summary.total
}

/**
 * One page of the list and its total, in two queries sent together: the counts row and the
 * page (its ids from the sort's index, however deep, joined to their rows without the report).
 * A search counts its matches in the same scan; only a page beyond the last one of a search
 * needs a third query for the total.
 */
export async function listDatasets (tx: Executor, userId: string, query: ListQuery) {
  const conditions: SQL[] = [eq(datasets.userId, userId), query.deleted ? isNotNull(datasets.deletedAt) : isNull(datasets.deletedAt)]
  if (query.status) conditions.push(eq(datasets.status, query.status))
  // A plain substring test (no pattern characters to escape); strpos is faster than LIKE here.
  if (query.search) conditions.push(sql`strpos(${datasets.nameSearch}, ${foldForSearch(query.search)}) > 0`)
  const where = and(...conditions)
  const column = SORTS[query.sort]
  const direction = query.order === 'asc' ? asc : desc
  const countInPage = query.search !== null || (query.deleted && query.status !== null)
  const page = tx.select({ id: datasets.id, matches: countInPage ? sql<number>`count(*) OVER ()`.mapWith(Number).as('matches') : sql<null>`null`.as('matches') })
    .from(datasets).where(where)
    .orderBy(direction(column), direction(datasets.id))
    .limit(query.limit).offset((query.page - 1) * query.limit)
    .as('page')
  const { report: _report, ...columns } = getTableColumns(datasets)
  const [counts, found] = await Promise.all([
    readCounts(tx, userId),
    tx.select({ ...columns, report: sql<null>`null`, matches: page.matches }).from(page)
      .innerJoin(datasets, eq(datasets.id, page.id))
      .orderBy(direction(column), direction(datasets.id))
  ])
  let total = knownTotal(query, counts) ?? found[0]?.matches ?? null
  if (total === null) [{ total }] = await tx.select({ total: count() }).from(datasets).where(where)
  const rows = found.map(({ matches: _matches, ...row }) => row)
  return { rows, total, counts }
}

export function pagination (query: ListQuery, total: number) {
  return { page: query.page, limit: query.limit, total, total_pages: Math.ceil(total / query.limit) }
}
