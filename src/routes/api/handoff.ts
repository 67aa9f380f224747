import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { serializeDataset } from '../../datasets/serialize.js'
import { responses } from '../../schemas/common.js'
import { DatasetParams } from '../../schemas/datasets.js'
import { DeriveBody, DerivedDatasets, ExportQuery, Manifest } from '../../schemas/handoff.js'

const tags = ['datasets']

const exported = Type.Unsafe({
  description: 'the records converted, JSON Lines', content: { 'application/x-ndjson': { schema: Type.String({ format: 'binary' }) } }
})

/** The training hand-off (api.md v2): export, derive, manifest. */
const handoffApi: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/datasets/:id/export', {
    schema: {
      tags,
      summary: 'The dataset converted while it streams from storage',
      description: 'format: openai | sharegpt | native | alpaca | text; rows: valid (default) | all. 409 before validation has finished, or when a record does not fit the format (named).',
      params: DatasetParams,
      querystring: ExportQuery,
      response: responses({ 200: exported }, [400, 404, 409, 503])
    }
  }, async (request, reply) => {
    const { format, rows } = request.query
    const { fileName, stream } = await app.handoff.exportFile(request.user!.id, request.params.id, format, rows)
    return reply.headers({
      'content-type': 'application/x-ndjson',
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': 'private, no-store'
    }).send(stream)
  })

  app.post('/api/datasets/:id/derive', {
    schema: {
      tags,
      summary: 'Derive cleaned, converted (and split) datasets',
      description: 'Creates the train output (and the validation output when asked) in status validating with parent_id and recipe; a background job writes and validates them.',
      params: DatasetParams,
      body: DeriveBody,
      response: responses({ 202: DerivedDatasets }, [400, 403, 404, 409])
    }
  }, async (request, reply) => {
    const made = await app.handoff.derive(request.user!.id, request.params.id, request.body ?? {})
    return reply.ok({ datasets: made.map(serializeDataset) }, 202)
  })

  app.get('/api/datasets/:id/manifest', {
    schema: { tags, summary: 'The training manifest of a ready dataset', params: DatasetParams, response: responses({ 200: Manifest }, [404, 409, 503]) }
  }, async (request, reply) => {
    const origin = `${request.protocol}://${request.host}`
    return reply.ok(await app.handoff.manifest(request.user!.id, request.params.id, origin))
  })
}

export default handoffApi
