import postgres from 'postgres'
import { drizzle, PostgresJsPreparedQuery } from 'drizzle-orm/postgres-js'
import { isUuid } from '../ids.js'

// drizzle sends its queries unnamed unless given a name (`.prepare(name)`), so Postgres parses
// and plans every statement again: planning the row-level-security queries of a list page cost
// more than running them. Every drizzle query is sent as a named prepared statement instead;
// postgres.js caches them per connection by text (our SQL never inlines values, so the set of
// texts is fixed) and Postgres reuses their plans.
Object.defineProperty(PostgresJsPreparedQuery.prototype, 'prepare', { get: () => true, set: () => {}, configurable: true })

export function createDatabase (url: string, options: { max?: number } = {}) {
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    // Postgres restarted under us: drop dead connections instead of handing them out.
    idle_timeout: 60,
    connection: { application_name: 'datasets' }
  })
  const db = drizzle(client)
  return { client, db }
}

export type Database = ReturnType<typeof createDatabase>['db']
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0]
/** Either the pool or an open transaction: repositories take whichever they are given. */
export type Executor = Database | Transaction

/** The non-owner role per-request queries run as; see drizzle/0001_row_level_security.sql. */
export const APP_ROLE = 'datasets_app'

/**
 * Runs fn in a transaction as the non-owner role with app.user_id set, so row-level security
 * limits every query to that user's rows. Both settings are transaction-local: the pooled
 * connection goes back clean.
 *
 * One round trip before the first result: BEGIN and the settings travel as one simple-protocol
 * message (if BEGIN fails, nothing after it runs; if a setting fails, the transaction is
 * aborted and every query after it fails), and fn's first queries are pipelined right behind
 * them on the same reserved connection (postgres.js keeps its order). COMMIT is the other.
 */
export async function asUser<T> (db: Database, userId: string, fn: (tx: Database) => Promise<T>): Promise<T> {
  // The id goes into SQL text: only a well-formed UUID (ours, from the session or a token) may.
  if (!isUuid(userId)) throw new TypeError('asUser needs a user id (a UUID)')
  const reserved = await db.$client.reserve()
  // drizzle() reads the client's options (its type parsers); a reserved client shares the pool's.
  Object.assign(reserved, { options: db.$client.options })
  try {
    // Generic plans: the request queries are index lookups by user whatever their values, and
    // Postgres kept choosing to re-plan them (a custom plan per execution cost more than the query).
    const setup = reserved.unsafe(`begin; select set_config('app.user_id', '${userId}', true), set_config('role', '${APP_ROLE}', true), ` +
      "set_config('plan_cache_mode', 'force_generic_plan', true)").execute()
    setup.catch(() => {}) // awaited below; a failure here must not count as unhandled meanwhile
    let result: T
    try {
      result = await fn(drizzle(reserved))
      await setup
    } catch (error) {
      await reserved`rollback`.catch(() => {})
      await setup // when the settings failed, their error explains the queries' ones
      throw error
    }
    await reserved`commit`
    return result
  } finally {
    reserved.release()
  }
}
