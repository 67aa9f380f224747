import type { Task } from 'graphile-worker'
import type { datasets } from '../db/schema.js'
import { createDatasetRepository } from '../datasets/repository.js'
import { createNotificationRepository } from '../notifications/repository.js'
import { recordDatasetProgress } from '../datasets/progress.js'
import { isUuid } from '../ids.js'
import { severityOf, validate, type IssueCode, type Report, type TokenizerName } from '../validation/index.js'
import type { TaskDeps } from './index.js'

function assertPayload (payload: unknown): asserts payload is { datasetId: string } {
  const id = (payload as { datasetId?: unknown } | null)?.datasetId
  if (!isUuid(id)) throw new Error(`dataset__validate: invalid payload ${JSON.stringify(payload)}`)
}

/** One line for error_message and the notification: "2 errors: invalid_json ×1 (first on line 2), …", after the report's notes. */
export function summariseErrors (report: Report): string {
  const errorCodes = Object.entries(report.counts).filter(([code]) => severityOf(code) === 'error') as Array<[IssueCode, number]>
  const total = errorCodes.reduce((sum, [, count]) => sum + count, 0)
  const parts = errorCodes.sort((a, b) => b[1] - a[1]).slice(0, 3).map(([code, count]) => {
    const first = report.errors.find(issue => issue.code === code)
    return `${code} ×${count.toLocaleString('en-US')}${first ? ` (first on line ${first.line})` : ''}`
  })
  const summary = `${total.toLocaleString('en-US')} error${total === 1 ? '' : 's'}: ${parts.join(', ')}${errorCodes.length > 3 ? ', …' : ''}`
  // A file-level hint (a UTF-16 file) says in words what the codes only show line by line.
  return [...(report.notes ?? []).map(note => note.message), summary].join(' ')
}

/**
 * Postgres's jsonb cannot hold U+0000, which a message quoting a line with a NUL byte carries:
 * it becomes U+2400, the visible symbol for NUL. (The report's keys are codes and roles.)
 */
export function jsonbSafe<T> (value: T): T {
  const json = JSON.stringify(value)
  return json.includes('\\u0000') ? JSON.parse(json, (_key, v: unknown) => typeof v === 'string' ? v.replaceAll('\0', '\u2400') : v) : value
}

export function createValidateDatasetTask ({ db, storage, pool, validationEvents }: TaskDeps): Task {
  const repository = createDatasetRepository(db)
  const notifications = createNotificationRepository(db)

  async function finish (id: string, name: string, userId: string, values: Partial<typeof datasets.$inferInsert>, ready: boolean, message: string) {
    await db.transaction(async tx => {
      const row = await repository.finishValidation(id, values, tx)
      if (!row) return // already final: a second run changes nothing
      await notifications.insert({
        userId,
        datasetId: id,
        type: ready ? 'dataset_ready' : 'dataset_error',
        title: ready ? `"${name}" is ready` : `"${name}" failed validation`,
        message
      }, tx)
    })
  }

  return async (payload, helpers) => {
    assertPayload(payload)
    const dataset = await repository.findById(payload.datasetId)
    if (!dataset || dataset.deletedAt || dataset.status !== 'validating') return

    let report: Report
    let fileKind: string | null = null
    const started = performance.now()
    const seconds = () => (performance.now() - started) / 1000
    validationEvents?.started()
    // Stored bytes read, counted as they leave storage and written at most once a second.
    const progress = recordDatasetProgress(db, [dataset.id], dataset.fileSize, {
      onError: error => helpers.logger.warn(`progress of ${dataset.id} not recorded: ${error.message}`)
    })
    try {
      try {
        // JSON Lines and JSON arrays stream from storage (counted for the progress); Parquet is read by ranged GETs.
        const file = storage.file(dataset.storagePath, dataset.fileName, dataset.fileSize)
        report = await validate({ ...file, stream: async () => progress.count(await storage.getStream(dataset.storagePath)) }, {
          tokenizer: dataset.tokenizer as TokenizerName,
          contextLimit: dataset.contextLimit,
          pool,
          onFileKind: kind => { fileKind = kind }
        })
      } finally {
        await progress.stop()
      }
    } catch (error) {
      validationEvents?.finished('failed', seconds(), 0)
      const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts
      helpers.logger.error(`validation of ${dataset.id} failed (attempt ${helpers.job.attempts}/${helpers.job.max_attempts}): ${(error as Error).message}`)
      if (!lastAttempt) throw error // graphile-worker retries with backoff
      const message = `Validation could not run: the file could not be read from storage after ${helpers.job.attempts} attempts (${(error as Error).message}).`
      await finish(dataset.id, dataset.name, dataset.userId, { status: 'error', trainingReady: false, errorMessage: message, validatedAt: new Date() }, false, message)
      return
    }

    report = jsonbSafe(report)
    const ready = report.outcome === 'ready'
    validationEvents?.finished(ready ? 'ready' : 'error', seconds(), report.stats.bytes)
    const summary = ready ? null : summariseErrors(report)
    const stats = report.stats
    await finish(dataset.id, dataset.name, dataset.userId, {
      status: ready ? 'ready' : 'error',
      trainingReady: ready,
      stats,
      issueCounts: report.counts,
      // The stored copy also says how the file was read (the dataset page shows it; the API's report keeps its shape).
      report: { ...report, file_kind: fileKind },
      errorMessage: summary,
      validatedAt: new Date()
    }, ready, ready
      ? `${stats.conversations.toLocaleString('en-US')} conversations, ${stats.training_pairs.toLocaleString('en-US')} training pairs, ${stats.tokens.toLocaleString('en-US')} tokens.`
      : summary!)
  }
}
