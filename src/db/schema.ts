import { sql } from 'drizzle-orm'
import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'

// Row-level security, the non-owner role and the trigram extension live in the hand-written
// migration drizzle/0001_row_level_security.sql: drizzle-kit cannot express FORCE ROW LEVEL SECURITY.

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
}

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull(),
  passwordHash: text('password_hash').notNull(),
  ...timestamps
}, t => [uniqueIndex('users_email_idx').on(t.email)])

export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  tokenHash: text('token_hash').notNull(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
}, t => [
  uniqueIndex('api_tokens_token_hash_idx').on(t.tokenHash),
  index('api_tokens_user_id_idx').on(t.userId)
])

export const sessions = pgTable('sessions', {
  sid: text('sid').primaryKey(),
  userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
  data: jsonb('data').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull()
}, t => [
  index('sessions_expires_at_idx').on(t.expiresAt),
  index('sessions_user_id_idx').on(t.userId)
])

/** A job's reading progress as stored: bytes of its source read, and times as ISO strings. */
export interface StoredProgress { bytes_read: number, bytes_total: number, started_at: string, at: string }

export const DATASET_STATUSES = ['uploading', 'validating', 'ready', 'error'] as const
export type DatasetStatus = typeof DATASET_STATUSES[number]

export const datasets = pgTable('datasets', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  /** name, NFC and lower-cased in code: searched with LIKE (the same on every database locale). */
  nameSearch: text('name_search').notNull().default(''),
  description: text('description'),
  fileName: text('file_name').notNull(),
  fileSize: bigint('file_size', { mode: 'number' }).notNull(),
  storagePath: text('storage_path').notNull(),
  status: text('status', { enum: DATASET_STATUSES }).notNull().default('uploading'),
  trainingReady: boolean('training_ready').notNull().default(false),
  tokenizer: text('tokenizer').notNull().default('o200k_base'),
  contextLimit: integer('context_limit').notNull().default(8192),
  stats: jsonb('stats'),
  issueCounts: jsonb('issue_counts').$type<Record<string, number>>(),
  report: jsonb('report'),
  errorMessage: text('error_message'),
  /** How far the running job has read (src/datasets/progress.ts); null when none runs. */
  progress: jsonb('progress').$type<StoredProgress>(),
  ...timestamps,
  validatedAt: timestamp('validated_at', { withTimezone: true }),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
  /** The dataset a derive read (drizzle/0010_lineage.sql): a plain uuid, so deleting the parent never touches its children. */
  parentId: uuid('parent_id'),
  /** What the derive that made this dataset did (datasets/derive.ts), null for uploads. */
  recipe: jsonb('recipe')
}, t => [
  uniqueIndex('datasets_storage_path_idx').on(t.storagePath),
  index('datasets_user_created_at_idx').on(t.userId, t.createdAt.desc()),
  index('datasets_parent_idx').on(t.parentId).where(sql`${t.parentId} IS NOT NULL`),
  // The list's indexes, one per sort of live datasets, are hand-written in
  // drizzle/0006_list_counters.sql (drizzle-kit has no INCLUDE): datasets_user_live_idx,
  // datasets_user_search_idx, datasets_user_name_idx, datasets_user_size_idx.
])

/**
 * Per-user counts kept by triggers on datasets and notifications (drizzle/0006_list_counters.sql):
 * the list's summary and totals and the bell's unread count without counting rows.
 */
export const userCounts = pgTable('user_counts', {
  userId: uuid('user_id').primaryKey().references(() => users.id, { onDelete: 'cascade' }),
  uploading: integer('uploading').notNull().default(0),
  validating: integer('validating').notNull().default(0),
  ready: integer('ready').notNull().default(0),
  error: integer('error').notNull().default(0),
  deleted: integer('deleted').notNull().default(0),
  unreadNotifications: integer('unread_notifications').notNull().default(0)
})

export const notifications = pgTable('notifications', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  datasetId: uuid('dataset_id').references(() => datasets.id, { onDelete: 'set null' }),
  type: text('type').notNull(),
  title: text('title').notNull(),
  message: text('message').notNull(),
  readAt: timestamp('read_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
}, t => [
  index('notifications_user_id_created_at_idx').on(t.userId, t.createdAt.desc()),
  index('notifications_unread_idx').on(t.userId).where(sql`${t.readAt} IS NULL`)
])

export type User = typeof users.$inferSelect
export type ApiToken = typeof apiTokens.$inferSelect
export type Dataset = typeof datasets.$inferSelect
export type Notification = typeof notifications.$inferSelect

/** graphile-worker ids of live processes: jobs locked by a worker missing here were left by a crash. */
export const workerHeartbeats = pgTable('worker_heartbeats', {
  workerId: text('worker_id').primaryKey(),
  hostname: text('hostname').notNull(),
  pid: integer('pid').notNull(),
  lastSeen: timestamp('last_seen', { withTimezone: true }).notNull().defaultNow()
})
