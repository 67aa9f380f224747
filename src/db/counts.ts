import type postgres from 'postgres'

/**
 * The user's counts, kept by triggers (drizzle/0006_list_counters.sql): the list's summary and
 * totals, the trash total and the bell's unread count, without counting rows. Zeros before the
 * user's first dataset. Run as the user (asUser): row-level security applies.
 */
export async function readCounts (sql: postgres.Sql, userId: string) {
  const [row] = await sql<Array<{ uploading: number, validating: number, ready: number, error: number, deleted: number, unread: number }>>`
    select uploading, validating, ready, error, deleted, unread_notifications as unread from user_counts where user_id = ${userId}`
  const counts = { uploading: row?.uploading ?? 0, validating: row?.validating ?? 0, ready: row?.ready ?? 0, error: row?.error ?? 0 }
  return {
    summary: { total: counts.uploading + counts.validating + counts.ready + counts.error, ...counts },
    deleted: row?.deleted ?? 0,
    unreadNotifications: row?.unread ?? 0
  }
}
export type Counts = Awaited<ReturnType<typeof readCounts>>
