import type { FastifyInstance, FastifyReply } from 'fastify'
import { DatasetError } from '../../datasets/errors.js'
import { parseListQuery } from '../../datasets/listing.js'
import { serializeDataset } from '../../datasets/serialize.js'
import { isUuid } from '../params.js'

/** Offset and limit of the records call; 400 for anything else. */
export function parseRecordsQuery (query: { offset?: string, limit?: string }) {
  const offset = query.offset === undefined ? 0 : Number(query.offset)
  const limit = query.limit === undefined ? 20 : Number(query.limit)
  if (!Number.isInteger(offset) || offset < 0 || !/^\d+$/.test(query.offset ?? '0')) throw new DatasetError(400, 'offset must be a whole number from 0.', 'offset')
  if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !/^\d+$/.test(query.limit ?? '20')) throw new DatasetError(400, 'limit must be a whole number from 1 to 100.', 'limit')
  return { offset, limit }
}

/** Attachment headers for the original file; the name is reduced to safe characters. */
export function downloadHeaders (fileName: string, size: number) {
  return {
    'content-type': fileName.endsWith('.gz') ? 'application/gzip' : 'application/x-ndjson',
    'content-length': String(size),
    'content-disposition': `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"`,
    'cache-control': 'private, no-store'
  }
}

export default async function datasetsManageApi (app: FastifyInstance) {
  const guard = async <T>(reply: FastifyReply, id: string | null, work: () => Promise<T>): Promise<T | FastifyReply> => {
    if (id !== null && !isUuid(id)) return await reply.fail(404, 'Dataset not found.')
    try {
      return await work()
    } catch (error) {
      if (!(error instanceof DatasetError)) throw error
      return await reply.fail(error.status, error.message, error.field ? { field: error.field } : undefined)
    }
  }

  app.get<{ Querystring: Record<string, string> }>('/api/datasets', async (request, reply) => guard(reply, null, async () => {
    const { rows, pagination, summary } = await app.datasets.list(request.user!.id, parseListQuery(request.query))
    return reply.ok({ datasets: rows.map(serializeDataset), pagination, summary })
  }))

  app.get<{ Params: { id: string } }>('/api/datasets/:id/report', async (request, reply) => guard(reply, request.params.id, async () =>
    reply.ok(await app.datasets.report(request.user!.id, request.params.id))))

  app.get<{ Params: { id: string }, Querystring: { offset?: string, limit?: string } }>('/api/datasets/:id/records', async (request, reply) =>
    guard(reply, request.params.id, async () => {
      const { offset, limit } = parseRecordsQuery(request.query)
      return reply.ok(await app.datasets.records(request.user!.id, request.params.id, offset, limit))
    }))

  app.get<{ Params: { id: string } }>('/api/datasets/:id/download', async (request, reply) => guard(reply, request.params.id, async () => {
    const { dataset, stream } = await app.datasets.openFile(request.user!.id, request.params.id)
    return reply.headers(downloadHeaders(dataset.fileName, dataset.fileSize)).send(stream)
  }))

  app.delete<{ Params: { id: string } }>('/api/datasets/:id', async (request, reply) => guard(reply, request.params.id, async () =>
    reply.ok({ dataset: serializeDataset(await app.datasets.softDelete(request.user!.id, request.params.id)) })))

  app.post<{ Params: { id: string } }>('/api/datasets/:id/restore', async (request, reply) => guard(reply, request.params.id, async () =>
    reply.ok({ dataset: serializeDataset(await app.datasets.restore(request.user!.id, request.params.id)) })))
}
