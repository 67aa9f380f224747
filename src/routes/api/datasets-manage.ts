import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { downloadHeaders, serializeDataset } from '../../datasets/serialize.js'
import { responses } from '../../schemas/common.js'
import { DatasetList, DatasetParams, ListQuery, OneDataset, Records, RecordsQuery, Report } from '../../schemas/datasets.js'

const tags = ['datasets']

const file = Type.String({ format: 'binary' })
// @fastify/swagger takes a response given with its media types as is.
const downloadedFile = Type.Unsafe({
  description: 'the file as uploaded', content: { 'application/x-ndjson': { schema: file }, 'application/json': { schema: file }, 'application/gzip': { schema: file }, 'application/vnd.apache.parquet': { schema: file } }
})

const datasetsManageApi: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/datasets', {
    schema: { tags, summary: 'List your datasets', querystring: ListQuery, response: responses({ 200: DatasetList }, [400]) }
  }, async (request, reply) => {
    const { rows, pagination, summary } = await app.datasets.list(request.user!.id, request.query)
    return reply.ok({ datasets: rows.map(serializeDataset), pagination, summary })
  })

  app.get('/api/datasets/:id/report', {
    schema: { tags, summary: 'The full validation report', params: DatasetParams, response: responses({ 200: Report }, [404, 409]) }
  }, async (request, reply) => reply.ok(await app.datasets.report(request.user!.id, request.params.id)))

  app.get('/api/datasets/:id/records', {
    schema: { tags, summary: 'The conversations in the turn model, read from storage', params: DatasetParams, querystring: RecordsQuery, response: responses({ 200: Records }, [400, 404, 409, 503]) }
  }, async (request, reply) => {
    const { offset, limit, raw } = request.query
    return reply.ok(await app.datasets.records(request.user!.id, request.params.id, offset, limit, { raw }))
  })

  app.get('/api/datasets/:id/download', {
    schema: {
      tags,
      summary: 'The original file, streamed',
      params: DatasetParams,
      response: responses({ 200: downloadedFile }, [404, 409, 503])
    }
  }, async (request, reply) => {
    const { dataset, stream } = await app.datasets.openFile(request.user!.id, request.params.id)
    return reply.headers(downloadHeaders(dataset.fileName, dataset.fileSize)).send(stream)
  })

  app.delete('/api/datasets/:id', {
    schema: { tags, summary: 'Move to the trash (soft delete)', params: DatasetParams, response: responses({ 200: OneDataset }, [404, 409]) }
  }, async (request, reply) => reply.ok({ dataset: serializeDataset(await app.datasets.softDelete(request.user!.id, request.params.id)) }))

  app.post('/api/datasets/:id/restore', {
    schema: { tags, summary: 'Restore from the trash', params: DatasetParams, response: responses({ 200: OneDataset }, [404, 409]) }
  }, async (request, reply) => reply.ok({ dataset: serializeDataset(await app.datasets.restore(request.user!.id, request.params.id)) }))
}

export default datasetsManageApi
