import type { Task } from 'graphile-worker'
import { lte, sql } from 'drizzle-orm'
import { sessions } from '../db/schema.js'
import type { TaskDeps } from './validate-dataset.js'

/** Cron: expired sessions are deleted (the store never reads them; this keeps the table small). */
export function createPurgeSessionsTask ({ db }: TaskDeps): Task {
  return async (_payload, helpers) => {
    const purged = await db.delete(sessions).where(lte(sessions.expiresAt, sql`now()`)).returning({ sid: sessions.sid })
    if (purged.length) helpers.logger.info(`purged ${purged.length} expired session(s)`)
  }
}
