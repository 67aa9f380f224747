import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Dataset } from '../db/schema.js'
import { DomainError, Forbidden, InvalidInput, Unavailable } from '../errors.js'
import { parseDatasetFields, refusalReason, type StoredFile } from '../datasets/service.js'
import { fileTooLarge } from '../datasets/upload-guard.js'

/** Slack for the multipart envelope and text fields when judging Content-Length. */
const ENVELOPE_BYTES = 1024 * 1024

function multipartError (error: unknown): DomainError {
  if (error instanceof DomainError) return error
  const code = (error as { code?: string }).code
  if (code === 'FST_FILES_LIMIT') return new InvalidInput('Send one file per upload.', 'file')
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return new InvalidInput('The form has too many fields.')
  if (code === 'FST_PROTO_VIOLATION') return new InvalidInput('The form has a field name that is not allowed.')
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return new InvalidInput('Send the upload as multipart/form-data.')
  if ((error as Error).message?.includes('Unexpected end of') || code === 'FST_PREMATURE_CLOSE' || (error as Error).message?.includes('terminated early')) {
    return new InvalidInput('The upload was interrupted; nothing was kept.')
  }
  throw error
}

/**
 * Reads a multipart upload: text fields first (name, description?, tokenizer?, context_limit?,
 * and `_csrf` for browser forms), then exactly one `file` part, streamed to storage as it
 * arrives. The dataset row and its validation job are written only once the whole request has
 * been read, in one transaction; on any failure nothing is kept. `raw` receives the text
 * fields as sent (a form refills itself from them after a failure).
 */
export async function receiveUpload (app: FastifyInstance, request: FastifyRequest, raw: Record<string, string> = Object.create(null)): Promise<Dataset> {
  try {
    return await receive(app, request, raw)
  } catch (error) {
    if (error instanceof DomainError) app.metrics.uploadRefused(refusalReason(error))
    throw error
  }
}

async function receive (app: FastifyInstance, request: FastifyRequest, raw: Record<string, string>): Promise<Dataset> {
  const user = request.user!
  const declared = Number(request.headers['content-length'] ?? 0)
  if (declared > app.datasets.maxUploadBytes + ENVELOPE_BYTES) throw fileTooLarge(app.datasets.maxUploadBytes)
  let stored: StoredFile | null = null
  let fields = null
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (stored) throw new InvalidInput(`The field "${part.fieldname}" came after the file: send the text fields first.`)
        raw[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value)
        continue
      }
      if (stored) throw new InvalidInput('Send one file per upload.', 'file')
      if (part.fieldname !== 'file') throw new InvalidInput(`The file goes in the "file" field, not "${part.fieldname}".`, 'file')
      if (!app.verifyCsrf(request, request.headers['x-csrf-token'] ?? raw._csrf)) {
        throw new Forbidden('The form has expired or its security token is missing. Reload the page and try again.')
      }
      fields = parseDatasetFields(raw)
      if (!part.filename) throw new InvalidInput('Choose a file to upload.', 'file')
      stored = await app.datasets.store(user.id, part.filename, part.file, declared > 0 ? declared : undefined)
    }
  } catch (error) {
    if (stored) await app.datasets.discard(stored)
    throw multipartError(error)
  }
  if (!stored || !fields) {
    parseDatasetFields(raw)
    throw new InvalidInput('Choose a file to upload: the "file" part is missing.', 'file')
  }
  try {
    return await app.datasets.handOff(user.id, fields, stored)
  } catch (error) {
    request.log.error({ err: error }, 'upload hand-off failed')
    throw new Unavailable('The dataset could not be saved right now; nothing was kept. Try again in a moment.')
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
