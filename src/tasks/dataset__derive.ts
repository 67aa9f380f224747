import { PassThrough } from 'node:stream'
import type { Task } from 'graphile-worker'
import { ByteBudget } from '../datasets/byte-budget.js'
import { planDerive, writeDerived, DeriveRefused, type DeriveCounts, type DeriveRequest } from '../datasets/derive.js'
import { PART_SIZE } from '../datasets/multipart-upload.js'
import { recordDatasetProgress } from '../datasets/progress.js'
import { createDatasetRepository } from '../datasets/repository.js'
import { createLineageRepository } from '../datasets/lineage-repository.js'
import { createNotificationRepository } from '../notifications/repository.js'
import type { Dataset } from '../db/schema.js'
import { isUuid } from '../ids.js'
import { formatIndex, type TokenizerName } from '../validation/index.js'
import { isModelId, loadModel } from '../validation/tokenizers/models/index.js'
import { writerFor } from '../validation/writers/index.js'
import type { TaskDeps } from './index.js'

function assertPayload (payload: unknown): asserts payload is { datasetId: string } {
  const id = (payload as { datasetId?: unknown } | null)?.datasetId
  if (!isUuid(id)) throw new Error(`dataset__derive: invalid payload ${JSON.stringify(payload)}`)
}

interface StoredRecipe extends DeriveRequest {
  source: { id: string, format: string }
  outputs: { train: string, validation: string | null }
  counts: DeriveCounts | null
}

// Each derive holds at most two parts of its two outputs at once (16 MiB), whatever the file's size:
// one output may keep a part's buffer while it slowly fills (a small validation set) and the other
// still has one to fill and send (its next part waits until the last one is stored). Fewer than
// two would let the slow output starve the other; more only adds memory (bench:derive's target:
// the whole process under 250 MB; docs/benchmarks.md).
const DERIVE_BUFFER_BYTES = 2 * PART_SIZE
// An output may receive nothing for long stretches (a small validation set): no idle limit that matters.
const OUTPUT_IDLE_MS = 24 * 3600 * 1000

/**
 * dataset__derive: reads the source twice from storage (pass 1: validation again, for each line's
 * verdict and the split's buckets; pass 2: the kept lines converted, each to its side) and streams
 * both outputs into storage through multipart uploads. Only when both objects are complete are
 * the rows given their size and counts and handed to dataset__validate, in one transaction. A
 * failure aborts the uploads (no object, nothing half-written) and the job is retried; the rows
 * stay `validating` without a file meanwhile, and end `error` after the last attempt. Running it
 * again after it finished changes nothing (the recipe's counts say it is done).
 */
export function createDeriveDatasetTask ({ db, storage, pool }: TaskDeps): Task {
  const repository = createDatasetRepository(db)
  const lineage = createLineageRepository(db)
  const notifications = createNotificationRepository(db)

  async function fail (outputs: Dataset[], message: string) {
    await db.transaction(async tx => {
      for (const output of outputs) {
        const row = await lineage.failDerive(output.id, message, tx)
        if (row) await notifications.insert({ userId: row.userId, datasetId: row.id, type: 'dataset_error', title: `"${row.name}" could not be derived`, message }, tx)
      }
    })
  }

  async function removeObjects (outputs: Dataset[]) {
    await Promise.allSettled(outputs.map(output => storage.remove(output.storagePath)))
  }

  return async (payload, helpers) => {
    assertPayload(payload)
    const train = await repository.findById(payload.datasetId)
    if (!train || train.status !== 'validating') return
    const recipe = train.recipe as StoredRecipe
    if (recipe.counts !== null) return // written already: a repeated job changes nothing
    const validationRow = recipe.outputs.validation === null ? null : await repository.findById(recipe.outputs.validation)
    const outputs = validationRow ? [train, validationRow] : [train]
    const source = await repository.findById(recipe.source.id)
    if (!source) {
      await fail(outputs, 'The source dataset no longer exists: nothing could be derived.')
      return
    }

    const fileFormat = Math.max(0, formatIndex(recipe.source.format))
    const model = isModelId(source.tokenizer) ? await loadModel(source.tokenizer) : null
    const writer = writerFor(recipe.format, model === null ? null : conversation => model.renderText(conversation, false))
    // Both passes read the source: the outputs' progress runs to twice its stored size.
    const progress = recordDatasetProgress(db, outputs.map(output => output.id), 2 * source.fileSize, {
      onError: error => helpers.logger.warn(`progress of ${train.id} not recorded: ${error.message}`)
    })
    try {
      const stored = storage.file(source.storagePath, source.fileName, source.fileSize)
      const file = { ...stored, stream: async () => progress.count(await storage.getStream(source.storagePath)) }
      const plan = await planDerive(file, {
        request: recipe,
        fileFormat,
        writer: recipe.format === recipe.source.format ? null : writer,
        tokenizer: source.tokenizer as TokenizerName,
        contextLimit: source.contextLimit,
        pool
      })
      const budget = new ByteBudget(DERIVE_BUFFER_BYTES)
      const limits = { budget, queueTimeoutMs: OUTPUT_IDLE_MS, idleTimeoutMs: OUTPUT_IDLE_MS }
      const bodies = outputs.map(() => new PassThrough())
      let failure: unknown = null
      const uploads = outputs.map((output, i) => storage.upload(output.storagePath, bodies[i], limits, 'application/x-ndjson').catch((error: unknown) => {
        failure ??= error
        for (const body of bodies) body.destroy()
        throw error
      }))
      const emit = (body: PassThrough) => async (piece: Buffer) => {
        if (body.destroyed) return
        if (!body.write(piece)) {
          await new Promise<void>(resolve => {
            const done = () => { body.off('drain', done); body.off('close', done); resolve() }
            body.on('drain', done)
            body.on('close', done)
          })
        }
      }
      let counts: DeriveCounts
      try {
        counts = await writeDerived(file, plan, { fileFormat, writer, seed: recipe.seed }, {
          train: emit(bodies[0]),
          validation: bodies.length > 1 ? emit(bodies[1]) : null,
          stopped: () => failure !== null
        })
        for (const body of bodies) body.end()
      } catch (error) {
        for (const body of bodies) body.destroy(error as Error)
        await Promise.allSettled(uploads)
        await removeObjects(outputs)
        throw error
      }
      const settled = await Promise.allSettled(uploads)
      const rejected = settled.find(result => result.status === 'rejected')
      if (rejected || failure) {
        // An output stored before the other failed is removed: a retry writes both again.
        await removeObjects(outputs)
        throw failure ?? (rejected as PromiseRejectedResult).reason
      }
      const sizes = settled.map(result => (result as PromiseFulfilledResult<number>).value)
      await progress.stop()
      await db.transaction(async tx => {
        for (let i = 0; i < outputs.length; i++) {
          const row = await lineage.finishDerive(outputs[i].id, sizes[i], { ...(outputs[i].recipe as object), counts }, tx)
          if (row) await lineage.enqueueOutputValidation(row.id, train.id, tx)
        }
      })
    } catch (error) {
      await progress.stop()
      if (error instanceof DeriveRefused) {
        await fail(outputs, error.message)
        return
      }
      const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts
      helpers.logger.error(`derive of ${train.id} failed (attempt ${helpers.job.attempts}/${helpers.job.max_attempts}): ${(error as Error).message}`)
      if (!lastAttempt) throw error
      await fail(outputs, `The dataset could not be derived: storage failed ${helpers.job.attempts} times (${(error as Error).message}).`)
    }
  }
}
