import type { Task } from 'graphile-worker'
import { createSessionRepository } from '../accounts/session-repository.js'
import type { TaskDeps } from './index.js'

/** Cron: expired sessions are deleted (the store never reads them; this keeps the table small). */
export function createPurgeSessionsTask ({ db }: TaskDeps): Task {
  const sessions = createSessionRepository(db.$client)
  return async (_payload, helpers) => {
    const purged = await sessions.purgeExpired()
    if (purged) helpers.logger.info(`purged ${purged} expired session(s)`)
  }
}
