import { createHash, randomUUID } from 'node:crypto'
import type { StoredFile } from '../validation/files/stored-file.js'
import { asUser, type Database } from '../db/client.js'
import type { Dataset } from '../db/schema.js'
import { Conflict, InvalidInput, Unavailable } from '../errors.js'
import { formatIndex } from '../validation/index.js'
import { isModelId, loadModel, type Model } from '../validation/tokenizers/models/index.js'
import { NotWritable, writerFor, type ExportFormat, type RecordWriter } from '../validation/writers/index.js'
import { convertedStream, convertLines, exportConverter, type ExportRule } from './convert.js'
import { DROP_REASONS, type DeriveRequest, type DropReason } from './derive.js'
import { createDatasetRepository, foldForSearch } from './repository.js'
import { createLineageRepository } from './lineage-repository.js'
import type { DatasetService } from './service.js'
import { storageKey, type Storage } from './storage.js'
import { sanitiseFileName } from './upload-guard.js'

/** Lines a derive may be told to leave out by number; a longer list is refused (400). */
export const MAX_EXCLUDED_LINES = 100_000
const MAX_NAME = 200

export interface DeriveBody {
  name?: string
  format?: ExportFormat
  drop?: DropReason[]
  exclude_lines?: number[]
  validation?: { size?: number, fraction?: number }
  seed?: number
}

interface Recipe extends DeriveRequest {
  /** This output's side: `train` (everything kept when there is no split) or `validation`. */
  split: 'train' | 'validation'
  source: { id: string, name: string, file_name: string, format: string }
  outputs: { train: string, validation: string | null }
  /** Filled when the files are written. */
  counts: unknown
}

const storageUnavailable = () => new Unavailable('Storage cannot be reached just now; try again in a moment.')

/** The file's base name without its extensions: `support-chats.jsonl.gz` → `support-chats`. */
export function baseName (fileName: string): string {
  return fileName.replace(/(\.(jsonl|ndjson|json|parquet|gz))+$/i, '') || 'dataset'
}

function sourceFormat (dataset: Dataset): string {
  return (dataset.stats as { format?: string } | null)?.format ?? 'native'
}

/**
 * The training hand-off (issue 15): export while streaming, derive (clean, split, convert into
 * new datasets, done by the dataset__derive task), lineage and the training manifest.
 */
export function createHandoffService ({ db, storage, datasets }: { db: Database, storage: Storage, datasets: DatasetService }) {
  const repository = createDatasetRepository(db)
  const lineage = createLineageRepository(db)
  // sha256 of a ready dataset's openai export, by id and validation time (a file never changes after it).
  const digests = new Map<string, { sha256: string, bytes: number }>()

  async function modelOf (dataset: Dataset): Promise<Model | null> {
    return isModelId(dataset.tokenizer) ? await loadModel(dataset.tokenizer) : null
  }

  /** The stored file as the engine's reader takes it; storage is asked first, so that it being down is a 503, not a cut answer. */
  async function open (dataset: Dataset): Promise<StoredFile> {
    try {
      if (await storage.size(dataset.storagePath) === null) throw new Error('no object')
    } catch {
      throw storageUnavailable()
    }
    return storage.file(dataset.storagePath, dataset.fileName, dataset.fileSize)
  }

  /** The writer of `format` for this dataset, or Conflict when the format cannot hold its records at all. */
  function writerOf (dataset: Dataset, format: ExportFormat, model: Model | null): RecordWriter {
    const from = sourceFormat(dataset)
    if (format === 'text' && model === null && from !== 'text') {
      throw new Conflict(`The dataset's tokenizer is the encoding ${dataset.tokenizer}, which has no chat template to render conversations as text: choose a model as its tokenizer (revalidate), or another format.`)
    }
    if (from === 'text' && format !== 'text') throw new Conflict('The dataset holds text records, which have no turns: it can only be written as text.')
    return writerFor(format, model === null ? null : conversation => model.renderText(conversation, false))
  }

  function exportRule (dataset: Dataset, format: ExportFormat, rows: 'valid' | 'all', model: Model | null): ExportRule {
    const writer = writerOf(dataset, format, model)
    // With a model, a record can read without error and still be refused by its template (template_error).
    const templateErrors = model !== null && (dataset.issueCounts?.template_error ?? 0) > 0
    return {
      fileFormat: Math.max(0, formatIndex(sourceFormat(dataset))),
      writer,
      rows,
      accept: templateErrors
        ? record => {
          if (record.conversation.text !== null) return true
          try {
            model.renderText(record.conversation, false)
            return true
          } catch {
            return false
          }
        }
        : undefined
    }
  }

  function needsValidation (dataset: Dataset, action: string): void {
    if (dataset.status === 'uploading' || dataset.status === 'validating' || dataset.stats === null) {
      throw new Conflict(`The dataset is ${dataset.status}: it can be ${action} once validation has finished.`)
    }
  }

  return {
    /**
     * The dataset converted while it streams from storage. A conversion that some record cannot
     * take (alpaca, native, sharegpt, text) is checked first in a pass that writes nothing, so
     * the refusal is a 409 naming the first record, never a file cut short.
     */
    async exportFile (userId: string, id: string, format: ExportFormat, rows: 'valid' | 'all') {
      const dataset = await datasets.get(userId, id)
      needsValidation(dataset, 'exported')
      const model = await modelOf(dataset)
      const rule = exportRule(dataset, format, rows, model)
      if (format !== sourceFormat(dataset)) {
        const check = exportConverter(rule)
        try {
          await convertLines(await open(dataset), (line, bytes) => { check(line, bytes); return null }, () => {})
        } catch (error) {
          if (error instanceof NotWritable) throw new Conflict(`${error.message} Export it in another format, or derive a dataset without that line (exclude_lines).`)
          throw storageUnavailable()
        }
      }
      const fileName = sanitiseFileName(`${baseName(dataset.fileName)}.${format}.jsonl`)
      return { dataset, fileName, stream: convertedStream(await open(dataset), exportConverter(rule)) }
    },

    /**
     * Creates the outputs (train, and validation when asked) in `validating` with their parent and
     * recipe, and queues the derive that writes them, in one transaction.
     */
    async derive (userId: string, id: string, body: DeriveBody): Promise<Dataset[]> {
      const source = await datasets.get(userId, id)
      if (source.deletedAt) throw new Conflict('The dataset is in the trash: restore it to derive from it.')
      needsValidation(source, 'derived from')
      const format = body.format ?? 'openai'
      writerOf(source, format, await modelOf(source))
      const exclude = [...new Set(body.exclude_lines ?? [])].sort((a, b) => a - b)
      if (exclude.length > MAX_EXCLUDED_LINES) throw new InvalidInput(`exclude_lines may list at most ${MAX_EXCLUDED_LINES.toLocaleString('en-US')} lines.`, 'exclude_lines')
      let validation: DeriveRequest['validation'] = null
      if (body.validation !== undefined) {
        const { size, fraction } = body.validation
        if ((size === undefined) === (fraction === undefined)) throw new InvalidInput('validation must be {size: n} or {fraction: f}, one of them.', 'validation')
        validation = size !== undefined ? { size } : { fraction: fraction! }
      }
      const drop = DROP_REASONS.filter(reason => reason === 'errors' || (body.drop ?? DROP_REASONS).includes(reason))
      const request: DeriveRequest = { format, drop, exclude_lines: exclude, validation, seed: body.seed ?? 42 }
      const base = (body.name?.trim() || source.name).slice(0, MAX_NAME - 13)
      const trainId = randomUUID()
      const validationId = validation === null ? null : randomUUID()
      const outputs = { train: trainId, validation: validationId }
      const recipeSource = { id: source.id, name: source.name, file_name: source.fileName, format: sourceFormat(source) }
      const row = (outputId: string, split: 'train' | 'validation') => {
        const name = `${base} (${split})`
        const fileName = sanitiseFileName(`${baseName(source.fileName)}-${split}.${format}.jsonl`)
        const recipe: Recipe = { ...request, split, source: recipeSource, outputs, counts: null }
        return {
          id: outputId,
          userId,
          name,
          nameSearch: foldForSearch(name),
          description: null,
          tokenizer: source.tokenizer,
          contextLimit: source.contextLimit,
          fileName,
          fileSize: 0,
          storagePath: storageKey(userId, outputId, fileName),
          status: 'validating' as const,
          parentId: source.id,
          recipe
        }
      }
      // The owner role, as an upload's hand-off: the job queue is not the request role's (ownership was checked above).
      return await db.transaction(async tx => {
        const made = [await repository.insert(row(trainId, 'train'), tx)]
        if (validationId !== null) made.push(await repository.insert(row(validationId, 'validation'), tx))
        await lineage.enqueueDerive(trainId, tx)
        return made
      })
    },

    /** Where a dataset came from and what was made of it, as the user may see them. */
    async lineage (userId: string, dataset: Dataset): Promise<{ parent: Dataset | null, children: Dataset[] }> {
      return await asUser(db, userId, async tx => {
        const parent = dataset.parentId === null ? null : await repository.findById(dataset.parentId, tx)
        return { parent: parent && parent.userId === userId ? parent : null, children: await lineage.children(dataset.id, tx) }
      })
    },

    /** What a training job needs to fetch the dataset and check it got what was validated (api.md v2). */
    async manifest (userId: string, id: string, origin: string) {
      const dataset = await datasets.get(userId, id)
      if (dataset.status !== 'ready') throw new Conflict(`The dataset is ${dataset.status}: a training manifest is given only for a ready dataset.`)
      const key = `${dataset.id}:${dataset.validatedAt?.toISOString() ?? ''}`
      let digest = digests.get(key)
      if (digest === undefined) {
        const hash = createHash('sha256')
        let bytes = 0
        try {
          await convertLines(await open(dataset), exportConverter(exportRule(dataset, 'openai', 'valid', await modelOf(dataset))), piece => { hash.update(piece); bytes += piece.length })
        } catch (error) {
          if (error instanceof NotWritable) throw new Conflict(`${error.message} The manifest describes the openai export, which this dataset cannot give.`)
          throw storageUnavailable()
        }
        digest = { sha256: hash.digest('hex'), bytes }
        if (digests.size >= 1000) digests.delete(digests.keys().next().value!)
        digests.set(key, digest)
      }
      const stats = dataset.stats as Record<string, unknown>
      return {
        id: dataset.id,
        name: dataset.name,
        format: sourceFormat(dataset),
        tokenizer: dataset.tokenizer,
        context_limit: dataset.contextLimit,
        stats: {
          conversations: stats.conversations,
          tokens: stats.tokens,
          assistant_tokens: stats.assistant_tokens,
          packed_sequences: stats.packed_sequences,
          over_limit: stats.over_limit
        },
        export: { format: 'openai', url: `${origin}/api/datasets/${dataset.id}/export?format=openai`, sha256: digest.sha256, bytes: digest.bytes },
        parent_id: dataset.parentId,
        recipe: dataset.recipe ?? null,
        validated_at: dataset.validatedAt?.toISOString() ?? null
      }
    }
  }
}

export type HandoffService = ReturnType<typeof createHandoffService>
