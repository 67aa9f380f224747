import { randomUUID } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import type { Readable } from 'node:stream'
import { asUser, type Database } from '../db/client.js'
import type { Dataset } from '../db/schema.js'
import { Busy, Conflict, InvalidInput, NotFound, TimedOut, TooLarge, Unavailable, UnsupportedType, type DomainError } from '../errors.js'
import { DEFAULT_CONTEXT_LIMIT, isTokenizerId, TOKENIZER_IDS, type Report, type TokenizerId } from '../validation/index.js'
import type { ListQuery } from '../schemas/datasets.js'
import { createDatasetRepository, foldForSearch, type ListFilter } from './repository.js'
import { checkExtension, fileTooLarge, sanitiseFileName, UploadGuard } from './upload-guard.js'
import { storageKey, type Storage } from './storage.js'
import { UploadQueueTimeout, UploadStalled, type UploadLimits } from './multipart-upload.js'
import { readRecords } from './records.js'

export interface DatasetFields {
  name: string
  description: string | null
  tokenizer: TokenizerId
  contextLimit: number
}

export interface StoredFile {
  id: string
  fileName: string
  storagePath: string
  size: number
}

const MAX_NAME = 200
const MAX_DESCRIPTION = 2000

/** The refusal of a tokenizer that is neither an encoding nor a model of GET /api/models. */
export function unknownTokenizer (value: unknown): string {
  const named = typeof value === 'string' ? `"${value.length > 60 ? value.slice(0, 57) + '…' : value}"` : 'given'
  return `The tokenizer ${named} is unknown: choose ${TOKENIZER_IDS.slice(0, -1).join(', ')} or ${TOKENIZER_IDS.at(-1)!} (GET /api/models lists them).`
}

/** Checks the text fields of an upload or a presigned create; InvalidInput names the field. */
export function parseDatasetFields (input: Record<string, unknown>): DatasetFields {
  const name = typeof input.name === 'string' ? input.name.trim() : ''
  if (!name) throw new InvalidInput('Give the dataset a name.', 'name')
  if (name.length > MAX_NAME) throw new InvalidInput(`The name must be at most ${MAX_NAME} characters.`, 'name')
  const rawDescription = input.description
  if (rawDescription !== undefined && rawDescription !== null && typeof rawDescription !== 'string') {
    throw new InvalidInput('The description must be text.', 'description')
  }
  const description = rawDescription?.trim() || null
  if (description && description.length > MAX_DESCRIPTION) throw new InvalidInput(`The description must be at most ${MAX_DESCRIPTION} characters.`, 'description')
  const tokenizer = parseTokenizer(input.tokenizer) ?? 'o200k_base'
  const contextLimit = parseContextLimit(input.context_limit ?? input.contextLimit) ?? DEFAULT_CONTEXT_LIMIT
  return { name, description, tokenizer, contextLimit }
}

/** A `tokenizer` field: an encoding or a model id, or null when absent or empty. */
export function parseTokenizer (value: unknown): TokenizerId | null {
  if (value === undefined || value === null || value === '') return null
  if (!isTokenizerId(value)) throw new InvalidInput(unknownTokenizer(value), 'tokenizer')
  return value
}

/** A `context_limit` field (a number, or its text from a form), or null when absent or empty. */
export function parseContextLimit (value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null
  const limit = typeof value === 'string' ? (/^\s*\d+\s*$/.test(value) ? Number(value) : NaN) : value
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 10_000_000) {
    throw new InvalidInput('The context limit must be a whole number from 1 to 10,000,000.', 'context_limit')
  }
  return limit
}

/** Sorts that show the largest or latest first unless asked otherwise. */
const DESCENDING_BY_DEFAULT = new Set(['created_at', 'updated_at', 'file_size'])

/** The list call's query (schemas/datasets.ts, already checked) with its defaults applied. */
function listFilter (query: ListQuery): ListFilter {
  return {
    page: query.page,
    limit: query.limit,
    status: query.status === 'all' ? null : query.status,
    search: query.search?.trim() || null,
    sort: query.sort,
    order: query.order ?? (DESCENDING_BY_DEFAULT.has(query.sort) ? 'desc' : 'asc'),
    deleted: query.deleted,
    origin: query.origin === 'all' ? null : query.origin
  }
}

/** What a failed upload answers, in the domain's words (the budget's refusals included). */
function uploadFailure (error: unknown, guard: UploadGuard, file: Readable, uploads: UploadSettings): DomainError {
  if (guard.failure) return guard.failure
  if (error instanceof UploadQueueTimeout) {
    return new Busy('The service is receiving many uploads right now; nothing was kept. Try again in a moment.', BUSY_RETRY_AFTER_SECONDS)
  }
  if (error instanceof UploadStalled) {
    return new TimedOut(`The upload stalled: nothing arrived for ${Math.round(uploads.idleTimeoutMs / 1000)} seconds; nothing was kept.`)
  }
  if (file.destroyed && !file.readableEnded) return new InvalidInput('The upload was interrupted; nothing was kept.')
  return new Unavailable('File storage is unavailable right now; nothing was kept. Try again in a moment.')
}

/** A refused upload's reason, as the metrics count it (a fixed set: never the message). */
export function refusalReason (error: DomainError): UploadRefusal {
  if (error instanceof Busy) return 'busy'
  if (error instanceof TimedOut) return 'stalled'
  if (error instanceof TooLarge) return 'too_large'
  if (error instanceof UnsupportedType) return 'unsupported_type'
  if (error instanceof Unavailable) return 'storage_unavailable'
  return 'invalid'
}

const storageUnavailable = () => new Unavailable('File storage is unavailable right now. Try again in a moment.')

export type UploadRefusal = 'busy' | 'stalled' | 'too_large' | 'unsupported_type' | 'storage_unavailable' | 'invalid'

/** What happens to uploads, for the metrics. */
export interface UploadEvents {
  started: () => void
  finished: () => void
  received: (bytes: number) => void
}

export type UploadSettings = Pick<UploadLimits, 'budget' | 'queueTimeoutMs' | 'idleTimeoutMs'>

/** Retry-After of a refusal for want of upload buffers: parts are stored in seconds. */
const BUSY_RETRY_AFTER_SECONDS = 5

export function createDatasetService ({ db, storage, maxUploadBytes, uploads, events }: {
  db: Database, storage: Storage, maxUploadBytes: number, uploads?: UploadSettings, events?: UploadEvents
}) {
  const repository = createDatasetRepository(db)

  return {
    maxUploadBytes,
    budget: uploads?.budget ?? null,

    /**
     * Streams one file into storage while it arrives. Nothing is written to the database:
     * the caller hands off with `handOff` once the whole request has been read, or removes
     * the object with `discard`.
     */
    async store (userId: string, originalName: string, file: Readable & { truncated?: boolean }, sizeHint?: number): Promise<StoredFile> {
      // Tasks build the service without uploads: they never receive files.
      if (!uploads) throw new Error('this dataset service receives no uploads')
      const fileName = sanitiseFileName(originalName)
      checkExtension(originalName)
      const id = randomUUID()
      const storagePath = storageKey(userId, id, fileName)
      const guard = new UploadGuard(maxUploadBytes)
      file.on('limit', () => guard.tooLarge())
      const piping = pipeline(file, guard).catch(() => {})
      events?.started()
      try {
        await storage.upload(storagePath, guard, { ...uploads, sizeHint, onBytes: events?.received })
      } catch (error) {
        guard.destroy()
        await piping
        throw uploadFailure(error, guard, file, uploads)
      } finally {
        events?.finished()
      }
      await piping
      if (guard.failure || file.truncated) {
        await storage.remove(storagePath).catch(() => {})
        throw guard.failure ?? fileTooLarge(maxUploadBytes)
      }
      return { id, fileName, storagePath, size: guard.bytes }
    },

    async discard (stored: StoredFile): Promise<void> {
      await storage.remove(stored.storagePath).catch(() => {})
    },

    /** One transaction: the dataset row in `validating` and its validation job, or neither. */
    async handOff (userId: string, fields: DatasetFields, stored: StoredFile): Promise<Dataset> {
      try {
        return await db.transaction(async tx => {
          const row = await repository.insert({
            id: stored.id,
            userId,
            name: fields.name,
            nameSearch: foldForSearch(fields.name),
            description: fields.description,
            tokenizer: fields.tokenizer,
            contextLimit: fields.contextLimit,
            fileName: stored.fileName,
            fileSize: stored.size,
            storagePath: stored.storagePath,
            status: 'validating'
          }, tx)
          await repository.enqueueValidation(row.id, tx)
          return row
        })
      } catch (error) {
        await this.discard(stored)
        throw error
      }
    },

    /** The direct-to-storage flow: a row in `uploading` and a presigned PUT URL. */
    async createPresigned (userId: string, fields: DatasetFields, fileNameInput: unknown, fileSizeInput: unknown) {
      if (typeof fileNameInput !== 'string' || !fileNameInput.trim()) throw new InvalidInput('Give the file_name of the file you will upload.', 'file_name')
      checkExtension(fileNameInput)
      const fileSize = Number(fileSizeInput)
      if (!Number.isSafeInteger(fileSize) || fileSize < 1) throw new InvalidInput('file_size must be the file\'s size in bytes (a positive whole number).', 'file_size')
      if (fileSize > maxUploadBytes) throw fileTooLarge(maxUploadBytes, { announced: true })
      const id = randomUUID()
      const fileName = sanitiseFileName(fileNameInput)
      const storagePath = storageKey(userId, id, fileName)
      const dataset = await asUser(db, userId, tx => repository.insert({
        id, userId, name: fields.name, nameSearch: foldForSearch(fields.name), description: fields.description, tokenizer: fields.tokenizer, contextLimit: fields.contextLimit,
        fileName, fileSize, storagePath, status: 'uploading'
      }, tx))
      const uploadUrl = await storage.presignPut(storagePath, fileSize)
      return { dataset, uploadUrl, storagePath }
    },

    /** After a presigned PUT: the object must be there with the announced size. */
    async confirm (userId: string, id: string): Promise<Dataset> {
      const dataset = await this.get(userId, id)
      if (dataset.status !== 'uploading') throw new Conflict(`The dataset is ${dataset.status}, not uploading: there is nothing to confirm.`)
      let size: number | null
      try {
        size = await storage.size(dataset.storagePath)
      } catch {
        throw storageUnavailable()
      }
      if (size === null) throw new Conflict('The file has not been uploaded yet: PUT it to the uploadUrl first.')
      if (size !== dataset.fileSize) {
        throw new Conflict(`The uploaded file has ${size.toLocaleString('en-US')} bytes, not the ${dataset.fileSize.toLocaleString('en-US')} announced.`)
      }
      const moved = await db.transaction(async tx => {
        const row = await repository.markValidating(id, userId, tx)
        if (row) await repository.enqueueValidation(id, tx)
        return row
      })
      if (!moved) throw new Conflict('The dataset is no longer uploading.')
      return moved
    },

    /**
     * Validates the stored file again (api.md v2, revalidate), with another tokenizer or context
     * limit when given: the dataset goes `validating` (stats and report cleared), then final
     * with a notification, as after an upload. 409 while uploading or validating, or in the trash.
     */
    async revalidate (userId: string, id: string, input: { tokenizer?: unknown, context_limit?: unknown }): Promise<Dataset> {
      const dataset = await this.get(userId, id)
      const tokenizer = parseTokenizer(input.tokenizer) ?? dataset.tokenizer
      const contextLimit = parseContextLimit(input.context_limit) ?? dataset.contextLimit
      if (dataset.deletedAt) throw new Conflict('The dataset is in the trash: restore it first.')
      if (dataset.status === 'uploading' || dataset.status === 'validating') {
        throw new Conflict(`The dataset is ${dataset.status}: it can be validated again once that has finished.`)
      }
      const row = await db.transaction(async tx => {
        const moved = await repository.markRevalidating(id, userId, tokenizer, contextLimit, tx)
        if (moved) await repository.enqueueValidation(id, tx)
        return moved
      })
      if (!row) throw new Conflict('The dataset changed state meanwhile: it is being validated or was moved to the trash.')
      return row
    },

    /**
     * A page of the user's datasets with its pagination and summary, and the user's counts row
     * it was read with (the layout's bell count need not be read again).
     */
    async list (userId: string, query: ListQuery) {
      const filter = listFilter(query)
      return await asUser(db, userId, async tx => {
        const { rows, total, counts } = await repository.listPage(userId, filter, tx)
        const pagination = { page: filter.page, limit: filter.limit, total, total_pages: Math.ceil(total / filter.limit) }
        return { rows, pagination, summary: counts.summary, counts }
      })
    },

    /** Soft delete: the row and the file stay until the trash is purged. */
    async softDelete (userId: string, id: string): Promise<Dataset> {
      await this.get(userId, id)
      const row = await asUser(db, userId, tx => repository.softDelete(userId, id, tx))
      if (!row) throw new Conflict('The dataset is already in the trash.')
      return row
    },

    async restore (userId: string, id: string): Promise<Dataset> {
      await this.get(userId, id)
      const row = await asUser(db, userId, tx => repository.restore(userId, id, tx))
      if (!row) throw new Conflict('The dataset is not in the trash.')
      return row
    },

    /** The full validation report; 409 while the dataset has none yet. */
    async report (userId: string, id: string) {
      const dataset = await this.get(userId, id)
      if (!dataset.report) throw new Conflict(`The dataset is ${dataset.status}: its report is not ready yet.`)
      // jsonb does not keep key order: give the CLI's order back.
      const report = dataset.report as Report
      return { outcome: report.outcome, stats: report.stats, counts: report.counts, errors: report.errors, warnings: report.warnings, ...(report.notes ? { notes: report.notes } : {}) }
    },

    /** A page of records in the turn model, read in the dataset's format; `raw` adds each record's JSON. */
    async records (userId: string, id: string, offset: number, limit: number, options: { raw?: boolean, fromLine?: number } = {}) {
      const dataset = await this.get(userId, id)
      if (dataset.status === 'uploading') throw new Conflict('The file has not been uploaded yet.')
      const file = storage.file(dataset.storagePath, dataset.fileName, dataset.fileSize)
      try {
        return await readRecords(file, offset, limit, { raw: options.raw, fromLine: options.fromLine, format: (dataset.stats as { format?: string } | null)?.format })
      } catch {
        throw storageUnavailable() // storage failed before the first record
      }
    },

    /** The original file as stored, for a download streamed through this ownership check. */
    async openFile (userId: string, id: string) {
      const dataset = await this.get(userId, id)
      if (dataset.status === 'uploading') throw new Conflict('The file has not been uploaded yet.')
      try {
        return { dataset, stream: await storage.getStream(dataset.storagePath) }
      } catch {
        throw storageUnavailable()
      }
    },

    /** Owner role: datasets deleted before `cutoff` lose their object, then their row. */
    async purgeTrash (cutoff: Date): Promise<number> {
      const rows = await repository.deletedBefore(cutoff)
      let purged = 0
      for (const row of rows) {
        await storage.remove(row.storagePath) // throws (and the cron retries) while storage is down
        await repository.purge(row.id, cutoff)
        purged++
      }
      return purged
    },

    /** The user's dataset (deleted ones too); 404 for anything else, whoever owns it. */
    async get (userId: string, id: string): Promise<Dataset> {
      const row = await asUser(db, userId, tx => repository.findById(id, tx))
      if (!row || row.userId !== userId) throw new NotFound('Dataset not found.')
      return row
    }
  }
}

export type DatasetService = ReturnType<typeof createDatasetService>
