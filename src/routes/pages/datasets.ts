import type { FastifyInstance, FastifyReply } from 'fastify'
import { desc, isNull } from 'drizzle-orm'
import { asUser } from '../../db/client.js'
import { datasets } from '../../db/schema.js'
import { DatasetError } from '../../datasets/errors.js'
import { TOKENIZERS, DEFAULT_CONTEXT_LIMIT } from '../../validation/index.js'
import { isUuid } from '../params.js'
import { receiveUpload, UploadFailure, uploadRateLimit } from '../upload.js'

const FINAL = new Set(['ready', 'error'])

export default async function datasetPages (app: FastifyInstance, { uploadsPerMinute }: { uploadsPerMinute: number }) {
  app.addHook('onRequest', app.requirePageUser)

  const formContext = (values: Record<string, string> = {}, error: string | null = null) => ({
    values: { name: '', description: '', tokenizer: 'o200k_base', context_limit: String(DEFAULT_CONTEXT_LIMIT), ...values },
    error,
    tokenizers: TOKENIZERS,
    maxUploadBytes: app.datasets.maxUploadBytes
  })

  const findOr404 = async (userId: string, id: string, reply: FastifyReply) => {
    if (!isUuid(id)) {
      await reply.fail(404, 'Dataset not found.')
      return null
    }
    try {
      return await app.datasets.get(userId, id)
    } catch (error) {
      if (!(error instanceof DatasetError)) throw error
      await reply.fail(error.status, error.message)
      return null
    }
  }

  app.get('/datasets', async (request, reply) => {
    const rows = await asUser(app.db, request.user!.id, tx =>
      tx.select().from(datasets).where(isNull(datasets.deletedAt)).orderBy(desc(datasets.createdAt)).limit(50))
    return await reply.render('datasets/index', { datasets: rows })
  })

  app.get('/datasets/new', async (_request, reply) => await reply.render('datasets/new', formContext()))

  app.post('/datasets', { config: { csrf: 'handler', rateLimit: uploadRateLimit(uploadsPerMinute) } }, async (request, reply) => {
    const htmx = request.headers['hx-request'] === 'true'
    try {
      const { dataset } = await receiveUpload(app, request)
      const location = `/datasets/${dataset.id}`
      // htmx follows HX-Redirect with a full page load; a plain form follows the 303.
      if (htmx) return await reply.header('HX-Redirect', location).code(201).send('')
      return await reply.redirect(location, 303)
    } catch (error) {
      if (!(error instanceof UploadFailure)) throw error
      const status = error.status === 400 ? 422 : error.status
      reply.header('connection', 'close')
      const { _csrf: _ignored, ...values } = error.raw
      return await reply.render(htmx ? 'datasets/_upload-form' : 'datasets/new', formContext(values, error.message), status)
    }
  })

  app.get<{ Params: { id: string } }>('/datasets/:id', async (request, reply) => {
    const dataset = await findOr404(request.user!.id, request.params.id, reply)
    if (!dataset) return reply
    return await reply.render('datasets/show', { dataset })
  })

  // Polled every 2 s while the dataset is not final; the final fragment has no trigger, so polling stops.
  app.get<{ Params: { id: string } }>('/datasets/:id/status', async (request, reply) => {
    const dataset = await findOr404(request.user!.id, request.params.id, reply)
    if (!dataset) return reply
    return await reply.render('datasets/_status', { dataset, final: FINAL.has(dataset.status) })
  })
}
