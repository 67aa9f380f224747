import { and, desc, eq, isNull } from 'drizzle-orm'
import { notifications } from '../db/schema.js'
import type { Executor } from '../db/client.js'

export type NewNotification = typeof notifications.$inferInsert

export function createNotificationRepository (db: Executor) {
  return {
    async insert (values: NewNotification, tx: Executor = db): Promise<void> {
      await tx.insert(notifications).values(values)
    },
    async list (userId: string, { unreadOnly = false, limit = 50 } = {}, tx: Executor = db) {
      const where = unreadOnly ? and(eq(notifications.userId, userId), isNull(notifications.readAt)) : eq(notifications.userId, userId)
      return await tx.select().from(notifications).where(where).orderBy(desc(notifications.createdAt)).limit(limit)
    },
    /** True when the user has such a notification (read now, or before). */
    async markRead (userId: string, id: string, tx: Executor = db): Promise<boolean> {
      const [row] = await tx.select({ readAt: notifications.readAt }).from(notifications)
        .where(and(eq(notifications.id, id), eq(notifications.userId, userId))).limit(1)
      if (!row) return false
      if (!row.readAt) await tx.update(notifications).set({ readAt: new Date() }).where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
      return true
    },
    async markAllRead (userId: string, tx: Executor = db): Promise<number> {
      const rows = await tx.update(notifications).set({ readAt: new Date() })
        .where(and(eq(notifications.userId, userId), isNull(notifications.readAt))).returning({ id: notifications.id })
      return rows.length
    }
  }
}
