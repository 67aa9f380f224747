import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { Forbidden, InvalidInput } from '../../errors.js'
import { parseDatasetFields } from '../../datasets/service.js'
import { serializeDataset } from '../../datasets/serialize.js'
import { responses } from '../../schemas/common.js'
import { CreateDatasetBody, DatasetParams, OneDataset, Presigned } from '../../schemas/datasets.js'
import { receiveUpload, uploadRateLimit } from '../upload.js'

const tags = ['datasets']

const datasetsApi: FastifyPluginAsyncTypebox<{ uploadsPerMinute: number }> = async (app, { uploadsPerMinute }) => {
  app.post('/api/datasets', {
    config: { csrf: 'handler', rateLimit: uploadRateLimit(uploadsPerMinute), documentedBody: CreateDatasetBody, consumes: ['multipart/form-data', 'application/json'] },
    schema: {
      tags,
      summary: 'Upload a dataset (multipart), or create one for a direct upload (JSON)',
      description: 'multipart/form-data streams the file to storage and queues validation: 201 {dataset}. ' +
        'JSON {name, file_name, file_size, ...} answers 201 {dataset, uploadUrl, storagePath}: PUT the file to uploadUrl, then POST /api/datasets/{id}/confirm. ' +
        'Files: JSON Lines (.jsonl, .ndjson), a JSON array of records (.json), either gzip-compressed (.gz), or Parquet (.parquet); other names are 415.',
      response: responses({ 201: Type.Union([OneDataset, Presigned], { description: '{dataset} after an upload, {dataset, uploadUrl, storagePath} for a direct upload' }) }, [400, 403, 413, 415, 429, 503])
    }
  }, async (request, reply) => {
    if (request.isMultipart()) {
      return reply.ok({ dataset: serializeDataset(await receiveUpload(app, request)) }, 201)
    }
    if (!app.verifyCsrf(request, request.headers['x-csrf-token'])) {
      throw new Forbidden('The security token is missing: send it in the x-csrf-token header.')
    }
    const body = request.body
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new InvalidInput('Send multipart/form-data with a file, or JSON {name, file_name, file_size}.')
    }
    const input = body as Record<string, unknown>
    const fields = parseDatasetFields(input)
    const { dataset, uploadUrl, storagePath } = await app.datasets.createPresigned(request.user!.id, fields, input.file_name, input.file_size)
    return reply.ok({ dataset: serializeDataset(dataset), uploadUrl, storagePath }, 201)
  })

  app.post('/api/datasets/:id/confirm', {
    schema: { tags, summary: 'Confirm a direct upload: checks the object, queues validation', params: DatasetParams, response: responses({ 200: OneDataset }, [404, 409, 503]) }
  }, async (request, reply) => reply.ok({ dataset: serializeDataset(await app.datasets.confirm(request.user!.id, request.params.id)) }))

  app.get('/api/datasets/:id', {
    schema: { tags, summary: 'One dataset', params: DatasetParams, response: responses({ 200: OneDataset }, [404]) }
  }, async (request, reply) => reply.ok({ dataset: serializeDataset(await app.datasets.get(request.user!.id, request.params.id)) }))
}

export default datasetsApi
