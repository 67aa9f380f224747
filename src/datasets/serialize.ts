import type { Dataset } from '../db/schema.js'
import { progressOf } from './progress.js'

const iso = (value: Date | null) => value ? value.toISOString() : null

/** The dataset object of api.md. */
export function serializeDataset (row: Dataset) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    file_name: row.fileName,
    file_size: row.fileSize,
    storage_path: row.storagePath,
    status: row.status,
    training_ready: row.trainingReady,
    tokenizer: row.tokenizer,
    context_limit: row.contextLimit,
    stats: row.stats ?? null,
    issue_counts: row.issueCounts ?? {},
    error_message: row.errorMessage,
    progress: progressOf(row),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    validated_at: iso(row.validatedAt),
    deleted_at: iso(row.deletedAt),
    parent_id: row.parentId,
    recipe: row.recipe ?? null
  }
}

export type DatasetObject = ReturnType<typeof serializeDataset>

function contentType (fileName: string): string {
  const lower = fileName.toLowerCase()
  if (lower.endsWith('.gz')) return 'application/gzip'
  if (lower.endsWith('.parquet')) return 'application/vnd.apache.parquet'
  if (lower.endsWith('.json')) return 'application/json'
  return 'application/x-ndjson'
}

/** Attachment headers for the original file; the name is reduced to safe characters. */
export function downloadHeaders (fileName: string, size: number) {
  return {
    'content-type': contentType(fileName),
    'content-length': String(size),
    'content-disposition': `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"`,
    'cache-control': 'private, no-store'
  }
}
