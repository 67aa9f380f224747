import postgres from 'postgres'
import { drizzle, PostgresJsPreparedQuery } from 'drizzle-orm/postgres-js'
import { sql } from 'drizzle-orm'
import * as schema from './schema.js'

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
  const db = drizzle(client, { schema })
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
 */
export async function asUser<T> (db: Database, userId: string, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return await db.transaction(async tx => {
    // set_config('role', …, true) is SET LOCAL ROLE. The settings are sent at once, ahead of
    // fn's first query on the same connection (postgres.js keeps a connection's queries in the
    // order they are issued), so they cost no round trip of their own. A failure here fails the
    // transaction: postgres.js rejects it with this first error.
    const client = (tx as unknown as { session?: { client?: postgres.TransactionSql } }).session?.client
    if (typeof client !== 'function') {
      await tx.execute(sql`select set_config('app.user_id', ${userId}, true), set_config('role', ${APP_ROLE}, true)`)
      return await fn(tx)
    }
    const setup = client`select set_config('app.user_id', ${userId}, true), set_config('role', ${APP_ROLE}, true)`.execute()
    const result = await fn(tx)
    await setup
    return result
  })
}
