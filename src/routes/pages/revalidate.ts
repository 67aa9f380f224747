import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DomainError, statusOf } from '../../errors.js'
import { addFlash } from '../../plugins/views.js'
import { DatasetParams } from '../../schemas/datasets.js'
import { TOKENIZER_CHOICES } from '../../validation/index.js'

/**
 * The dataset page's "Count again" form (issue 14): validates the stored file again with another
 * tokenizer or context limit, as POST /api/datasets/:id/revalidate does. htmx gets HX-Redirect to
 * the page (which then polls until final); a plain form a 303. A refusal shows the form again
 * with the reason (htmx) or as a flash on the page.
 */
const revalidatePages: FastifyPluginAsyncTypebox = async (app) => {
  app.shareWithViews('tokenizerChoices', TOKENIZER_CHOICES)
  app.addHook('onRequest', app.requirePageUser)

  app.post('/datasets/:id/revalidate', { schema: { params: DatasetParams } }, async (request, reply) => {
    const htmx = request.headers['hx-request'] === 'true'
    const body = (request.body ?? {}) as Record<string, unknown>
    const location = `/datasets/${request.params.id}`
    try {
      await app.datasets.revalidate(request.user!.id, request.params.id, { tokenizer: body.tokenizer, context_limit: body.context_limit })
      if (htmx) return await reply.header('HX-Redirect', location).code(202).send('')
      return await reply.redirect(location, 303)
    } catch (error) {
      if (!(error instanceof DomainError) || statusOf(error) === 404) throw error
      if (!htmx) {
        addFlash(reply, { kind: 'error', message: error.message })
        return await reply.redirect(location, 303)
      }
      const dataset = await app.datasets.get(request.user!.id, request.params.id)
      const values = { tokenizer: String(body.tokenizer ?? dataset.tokenizer), context_limit: String(body.context_limit ?? dataset.contextLimit) }
      const status = statusOf(error) === 400 ? 422 : statusOf(error)
      return await reply.render('datasets/_revalidate-form', { dataset, revalidateError: error.message, revalidateValues: values }, status)
    }
  })
}

export default revalidatePages
