import type { Database } from '../db/client.js'

/**
 * user_counts: the user's counts, kept by triggers (drizzle/0006_list_counters.sql): the list's
 * summary and totals, the trash total and the bell's unread count, without counting rows. Zeros
 * before the user's first dataset. Read as the user (asUser): row-level security applies.
 * Plain postgres.js SQL: it is part of every list page and every page's bell.
 */
export function createCountsRepository (db: Database) {
  return {
    async read (userId: string, tx: Database = db) {
      const [row] = await tx.$client<Array<{ uploading: number, validating: number, ready: number, error: number, deleted: number, unread: number }>>`
        select uploading, validating, ready, error, deleted, unread_notifications as unread from user_counts where user_id = ${userId}`
      const counts = { uploading: row?.uploading ?? 0, validating: row?.validating ?? 0, ready: row?.ready ?? 0, error: row?.error ?? 0 }
      return {
        summary: { total: counts.uploading + counts.validating + counts.ready + counts.error, ...counts },
        deleted: row?.deleted ?? 0,
        unreadNotifications: row?.unread ?? 0
      }
    }
  }
}

export type Counts = Awaited<ReturnType<ReturnType<typeof createCountsRepository>['read']>>
