import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import postgres from 'postgres'
import { drizzle } from 'drizzle-orm/postgres-js'
import { migrate } from 'drizzle-orm/postgres-js/migrator'
import pg from 'pg'
import { runMigrations as runWorkerMigrations } from 'graphile-worker'

export const MIGRATIONS_FOLDER = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'drizzle')
// Any fixed number: the session-level advisory lock that serialises migrations across processes.
const MIGRATION_LOCK = 4_204_242_001

/**
 * Applies drizzle/ migrations and graphile-worker's schema. Two processes starting at once
 * queue on an advisory lock, so the second finds everything applied.
 */
export async function migrateDatabase (url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} })
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK})`
    try {
      await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER })
      const pool = new pg.Pool({ connectionString: url, max: 1 })
      pool.on('error', () => {}) // an idle client's error surfaces on the next query instead
      pool.on('connect', client => client.on('error', () => {}))
      try {
        await runWorkerMigrations({ pgPool: pool, logger: undefined })
      } finally {
        await pool.end()
      }
    } finally {
      await client`select pg_advisory_unlock(${MIGRATION_LOCK})`
    }
  } finally {
    await client.end()
  }
}
