import type { Dataset } from '../db/schema.js'

// The rows of the hot reads (repository.ts: the list page, a dataset by id) come from plain
// postgres.js SQL, mapped here as drizzle would. Column lists and the mapping follow
// src/db/schema.ts; test/datasets/rows.test.ts compares them with drizzle's on every column,
// so a column added to the schema and forgotten here fails the suite.

/** Every column of datasets but the report, which no list shows. */
export const LIST_COLUMNS = [
  'id', 'user_id', 'name', 'name_search', 'description', 'file_name', 'file_size', 'storage_path', 'status', 'training_ready',
  'tokenizer', 'context_limit', 'stats', 'issue_counts', 'error_message', 'progress', 'created_at', 'updated_at', 'validated_at', 'deleted_at',
  'parent_id', 'recipe'
] as const

type RawRow = Record<string, unknown>

// Timestamps arrive as Postgres text (drizzle installs pass-through parsers on the shared client).
const date = (value: unknown): Date | null => value === null || value === undefined ? null : new Date(value as string)

/** A postgres.js row of datasets → the Dataset drizzle would return (report null when not selected). */
export function toDataset (row: RawRow): Dataset {
  return {
    id: row.id as string,
    userId: row.user_id as string,
    name: row.name as string,
    nameSearch: row.name_search as string,
    description: row.description as string | null,
    fileName: row.file_name as string,
    fileSize: Number(row.file_size),
    storagePath: row.storage_path as string,
    status: row.status as Dataset['status'],
    trainingReady: row.training_ready as boolean,
    tokenizer: row.tokenizer as string,
    contextLimit: row.context_limit as number,
    stats: row.stats ?? null,
    issueCounts: (row.issue_counts ?? null) as Dataset['issueCounts'],
    report: row.report ?? null,
    errorMessage: row.error_message as string | null,
    progress: (row.progress ?? null) as Dataset['progress'],
    createdAt: date(row.created_at)!,
    updatedAt: date(row.updated_at)!,
    validatedAt: date(row.validated_at),
    deletedAt: date(row.deleted_at),
    parentId: (row.parent_id ?? null) as string | null,
    recipe: row.recipe ?? null
  }
}
