import type { FastifyInstance } from 'fastify'
import { DatasetError } from '../../datasets/errors.js'
import { parseDatasetFields } from '../../datasets/service.js'
import { serializeDataset } from '../../datasets/serialize.js'
import { isUuid } from '../params.js'
import { receiveUpload, uploadRateLimit } from '../upload.js'

export default async function datasetsApi (app: FastifyInstance, { uploadsPerMinute }: { uploadsPerMinute: number }) {
  const fail = async (reply: import('fastify').FastifyReply, error: unknown) => {
    if (!(error instanceof DatasetError)) throw error
    return await reply.fail(error.status, error.message, error.field ? { field: error.field } : undefined)
  }

  app.post('/api/datasets', { config: { csrf: 'handler', rateLimit: uploadRateLimit(uploadsPerMinute) } }, async (request, reply) => {
    try {
      if (request.isMultipart()) {
        const { dataset } = await receiveUpload(app, request)
        return reply.ok({ dataset: serializeDataset(dataset) }, 201)
      }
      if (!app.verifyCsrf(request, request.headers['x-csrf-token'])) {
        return await reply.fail(403, 'The security token is missing: send it in the x-csrf-token header.')
      }
      const body = request.body
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return await reply.fail(400, 'Send multipart/form-data with a file, or JSON {name, file_name, file_size}.')
      }
      const input = body as Record<string, unknown>
      const fields = parseDatasetFields(input)
      const { dataset, uploadUrl, storagePath } = await app.datasets.createPresigned(request.user!.id, fields, input.file_name, input.file_size)
      return reply.ok({ dataset: serializeDataset(dataset), uploadUrl, storagePath }, 201)
    } catch (error) {
      return await fail(reply, error)
    }
  })

  app.post<{ Params: { id: string } }>('/api/datasets/:id/confirm', async (request, reply) => {
    if (!isUuid(request.params.id)) return await reply.fail(404, 'Dataset not found.')
    try {
      const dataset = await app.datasets.confirm(request.user!.id, request.params.id)
      return reply.ok({ dataset: serializeDataset(dataset) })
    } catch (error) {
      return await fail(reply, error)
    }
  })

  app.get<{ Params: { id: string } }>('/api/datasets/:id', async (request, reply) => {
    if (!isUuid(request.params.id)) return await reply.fail(404, 'Dataset not found.')
    try {
      return reply.ok({ dataset: serializeDataset(await app.datasets.get(request.user!.id, request.params.id)) })
    } catch (error) {
      return await fail(reply, error)
    }
  })
}
