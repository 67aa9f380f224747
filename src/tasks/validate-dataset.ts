import type { Task } from 'graphile-worker'
import { eq } from 'drizzle-orm'
import type { Database } from '../db/client.js'
import { datasets } from '../db/schema.js'
import { createDatasetRepository } from '../datasets/repository.js'
import type { Storage } from '../datasets/storage.js'
import { severityOf, validate, type AnalysisPool, type IssueCode, type Report, type TokenizerName } from '../validation/index.js'

export interface TaskDeps {
  db: Database
  storage: Storage
  trashRetentionDays: number
  /** The process's analysis threads: tokenisation never runs on the event loop that serves HTTP. */
  pool: AnalysisPool
}

function assertPayload (payload: unknown): asserts payload is { datasetId: string } {
  const id = (payload as { datasetId?: unknown } | null)?.datasetId
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`dataset__validate: invalid payload ${JSON.stringify(payload)}`)
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

export function createValidateDatasetTask ({ db, storage, pool }: TaskDeps): Task {
  const repository = createDatasetRepository(db)

  async function finish (id: string, name: string, userId: string, values: Partial<typeof datasets.$inferInsert>, ready: boolean, message: string) {
    await db.transaction(async tx => {
      const row = await repository.finishValidation(id, values, tx)
      if (!row) return // already final: a second run changes nothing
      await repository.insertNotification({
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
    const [dataset] = await db.select().from(datasets).where(eq(datasets.id, payload.datasetId)).limit(1)
    if (!dataset || dataset.deletedAt || dataset.status !== 'validating') return

    let report: Report
    try {
      const stream = await storage.getStream(dataset.storagePath)
      report = await validate(stream, {
        tokenizer: dataset.tokenizer as TokenizerName,
        contextLimit: dataset.contextLimit,
        pool
      })
    } catch (error) {
      const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts
      helpers.logger.error(`validation of ${dataset.id} failed (attempt ${helpers.job.attempts}/${helpers.job.max_attempts}): ${(error as Error).message}`)
      if (!lastAttempt) throw error // graphile-worker retries with backoff
      const message = `Validation could not run: the file could not be read from storage after ${helpers.job.attempts} attempts (${(error as Error).message}).`
      await finish(dataset.id, dataset.name, dataset.userId, { status: 'error', trainingReady: false, errorMessage: message, validatedAt: new Date() }, false, message)
      return
    }

    const ready = report.outcome === 'ready'
    const summary = ready ? null : summariseErrors(report)
    const stats = report.stats
    await finish(dataset.id, dataset.name, dataset.userId, {
      status: ready ? 'ready' : 'error',
      trainingReady: ready,
      stats,
      issueCounts: report.counts,
      report,
      errorMessage: summary,
      validatedAt: new Date()
    }, ready, ready
      ? `${stats.conversations.toLocaleString('en-US')} conversations, ${stats.training_pairs.toLocaleString('en-US')} training pairs, ${stats.tokens.toLocaleString('en-US')} tokens.`
      : summary!)
  }
}
