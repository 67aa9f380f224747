import { asUser, type Database } from '../db/client.js'
import type { Notification } from '../db/schema.js'
import { createNotificationRepository } from './repository.js'
import { createCountsRepository } from '../accounts/counts-repository.js'

/** The notification object of api.md. */
export function serializeNotification (row: Notification) {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    message: row.message,
    dataset_id: row.datasetId,
    read_at: row.readAt ? row.readAt.toISOString() : null,
    created_at: row.createdAt.toISOString()
  }
}

/** Every call runs as the user under row-level security. */
export function createNotificationService (db: Database) {
  const repository = createNotificationRepository(db)
  const counts = createCountsRepository(db)
  return {
    list: (userId: string, options: { unreadOnly?: boolean, limit?: number } = {}) => asUser(db, userId, tx => repository.list(userId, options, tx)),
    unreadCount: (userId: string) => asUser(db, userId, async tx => (await counts.read(userId, tx)).unreadNotifications),
    markRead: (userId: string, id: string) => asUser(db, userId, tx => repository.markRead(userId, id, tx)),
    markAllRead: (userId: string) => asUser(db, userId, tx => repository.markAllRead(userId, tx))
  }
}

export type NotificationService = ReturnType<typeof createNotificationService>
