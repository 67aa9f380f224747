import type postgres from 'postgres'
import { DATASET_STATUSES, type DatasetStatus } from '../db/schema.js'
import { LIST_COLUMNS, toDataset } from './rows.js'
import { readCounts, type Counts } from '../db/counts.js'
import { DatasetError } from './errors.js'

/** Case folding for search, done in code rather than by the database: the same on every Postgres locale. */
export function foldForSearch (text: string): string {
  return text.normalize('NFC').toLowerCase()
}

/** The API's sort keys → their columns (each of the page's sorts has an index, drizzle/0006). */
const SORT_COLUMNS = { created_at: 'created_at', name: 'name', file_size: 'file_size', status: 'status', updated_at: 'updated_at' } as const
export type SortKey = keyof typeof SORT_COLUMNS

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
  if (typeof sort !== 'string' || !Object.hasOwn(SORT_COLUMNS, sort)) throw new DatasetError(400, `sort must be one of ${Object.keys(SORT_COLUMNS).join(', ')}.`, 'sort')
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


/** The total the counts already know: anything but a search, or a status filter in the trash. */
function knownTotal (query: ListQuery, counts: Counts): number | null {
  if (query.search) return null
  if (query.deleted) return query.status ? null : counts.deleted
  return query.status ? counts.summary[query.status] : counts.summary.total
}

/** From this offset on, a page may be read backwards (see listDatasets). */
const DEEP_OFFSET = 2000

const PAGE_COLUMNS = LIST_COLUMNS.map(column => `d.${column}`).join(', ')

/**
 * One page of the list and its total, in two queries sent together: the counts row and the
 * page (its ids from the sort's index, however deep, joined to their rows without the report).
 * A search counts its matches in the same scan; only a page beyond the last one of a search
 * needs a third query for the total. Row-level security applies (sql is asUser's connection);
 * the user id is a condition as well.
 */
export async function listDatasets (sql: postgres.Sql, userId: string, query: ListQuery) {
  // Only whitelisted words reach the SQL text: the sort column and its direction.
  const column = SORT_COLUMNS[query.sort]
  const direction = query.order === 'asc' ? 'asc' : 'desc'
  const where = () => sql`user_id = ${userId} and deleted_at ${query.deleted ? sql`is not null` : sql`is null`}
    ${query.status ? sql`and status = ${query.status}` : sql``}
    ${query.search ? sql`and strpos(name_search, ${foldForSearch(query.search)}) > 0` : sql``}`
  const countInPage = query.search !== null || (query.deleted && query.status !== null)
  const offset = (query.page - 1) * query.limit
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
    const counts = await readCounts(sql, userId)
    const total = knownTotal(query, counts)!
    if (offset >= total) return { rows: [], total, counts }
    if (offset > total / 2) {
      const limit = Math.min(query.limit, total - offset)
      const reversed = await page(direction === 'asc' ? 'desc' : 'asc', limit, total - offset - limit)
      return { rows: reversed.map(toDataset).reverse(), total, counts }
    }
    return { rows: (await page(direction, query.limit, offset)).map(toDataset), total, counts }
  }
  const [counts, found] = await Promise.all([readCounts(sql, userId), page(direction, query.limit, offset)])
  let total = knownTotal(query, counts) ?? (found.length ? Number(found[0].matches) : null)
  if (total === null) total = Number((await sql`select count(*) as n from datasets where ${where()}`)[0].n)
  return { rows: found.map(toDataset), total, counts }
}

export function pagination (query: ListQuery, total: number) {
  return { page: query.page, limit: query.limit, total, total_pages: Math.ceil(total / query.limit) }
}
