import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Dataset } from '../db/schema.js'
import { DatasetError } from '../datasets/errors.js'
import { parseDatasetFields, type StoredFile } from '../datasets/service.js'

export interface ReceivedUpload {
  /** The text fields as sent, to refill a form after a failure. */
  raw: Record<string, string>
  dataset: Dataset
}

/** What the form kept when an upload failed: the message and the fields already read. */
export class UploadFailure extends DatasetError {
  constructor (error: DatasetError, readonly raw: Record<string, string>) {
    super(error.status, error.message, error.field)
  }
}

/** Slack for the multipart envelope and text fields when judging Content-Length. */
const ENVELOPE_BYTES = 1024 * 1024

function multipartError (error: unknown): DatasetError {
  if (error instanceof DatasetError) return error
  const code = (error as { code?: string }).code
  if (code === 'FST_FILES_LIMIT') return new DatasetError(400, 'Send one file per upload.', 'file')
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return new DatasetError(400, 'The form has too many fields.')
  if (code === 'FST_PROTO_VIOLATION') return new DatasetError(400, 'The form has a field name that is not allowed.')
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new DatasetError(400, 'Send the upload as multipart/form-data.')
  if ((error as Error).message?.includes('Unexpected end of') || code === 'FST_PREMATURE_CLOSE' || (error as Error).message?.includes('terminated early')) {
    return new DatasetError(400, 'The upload was interrupted; nothing was kept.')
  }
  throw error
}

/**
 * Reads a multipart upload: text fields first (name, description?, tokenizer?, context_limit?,
 * and `_csrf` for browser forms), then exactly one `file` part, streamed to storage as it
 * arrives. The dataset row and its validation job are written only once the whole request has
 * been read, in one transaction; on any failure nothing is kept.
 */
export async function receiveUpload (app: FastifyInstance, request: FastifyRequest): Promise<ReceivedUpload> {
  const user = request.user!
  const raw: Record<string, string> = {}
  const declared = Number(request.headers['content-length'] ?? 0)
  if (declared > app.datasets.maxUploadBytes + ENVELOPE_BYTES) {
    throw new UploadFailure(new DatasetError(413, `The file is larger than the limit of ${app.datasets.maxUploadBytes.toLocaleString('en-US')} bytes; nothing was kept.`), raw)
  }
  let stored: StoredFile | null = null
  let fields = null
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (stored) throw new DatasetError(400, `The field "${part.fieldname}" came after the file: send the text fields first.`)
        raw[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value)
        continue
      }
      if (stored) throw new DatasetError(400, 'Send one file per upload.', 'file')
      if (part.fieldname !== 'file') throw new DatasetError(400, `The file goes in the "file" field, not "${part.fieldname}".`, 'file')
      if (!app.verifyCsrf(request, request.headers['x-csrf-token'] ?? raw._csrf)) {
        throw new DatasetError(403, 'The form has expired or its security token is missing. Reload the page and try again.')
      }
      fields = parseDatasetFields(raw)
      if (!part.filename) throw new DatasetError(400, 'Choose a file to upload.', 'file')
      stored = await app.datasets.store(user.id, part.filename, part.file)
    }
  } catch (error) {
    if (stored) await app.datasets.discard(stored)
    throw new UploadFailure(multipartError(error), raw)
  }
  if (!stored || !fields) {
    try {
      parseDatasetFields(raw)
    } catch (error) {
      throw new UploadFailure(error as DatasetError, raw)
    }
    throw new UploadFailure(new DatasetError(400, 'Choose a file to upload: the "file" part is missing.', 'file'), raw)
  }
  try {
    return { raw, dataset: await app.datasets.handOff(user.id, fields, stored) }
  } catch (error) {
    request.log.error({ err: error }, 'upload hand-off failed')
    throw new UploadFailure(new DatasetError(503, 'The dataset could not be saved right now; nothing was kept. Try again in a moment.'), raw)
  }
}

export function uploadRateLimit (max: number) {
  return {
    max,
    timeWindow: '1 minute',
    keyGenerator: (request: FastifyRequest) => request.user?.id ?? request.ip,
    errorResponseBuilder: (_request: FastifyRequest, context: { after: string }) => ({
      statusCode: 429, error: 'Too Many Requests', message: `Too many uploads: try again in ${context.after}.`
    })
  }
}
