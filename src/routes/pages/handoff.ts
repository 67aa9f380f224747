import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DomainError, InvalidInput, NotFound } from '../../errors.js'
import { addFlash } from '../../plugins/views.js'
import { baseName, type DeriveBody } from '../../datasets/handoff.js'
import { DROP_REASONS, type DropReason } from '../../datasets/derive.js'
import { DatasetParams } from '../../schemas/datasets.js'
import { EXPORT_FORMATS, isExportFormat } from '../../validation/writers/writer.js'

const list = (value: unknown): string[] => Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : [String(value)]

/** The "Prepare for training" form → the derive API's body (InvalidInput naming the field). */
export function deriveBodyFromForm (form: Record<string, unknown>): DeriveBody {
  const format = String(form.format ?? 'openai')
  if (!isExportFormat(format)) throw new InvalidInput(`Choose a format: ${EXPORT_FORMATS.join(', ')}.`, 'format')
  const drop = list(form.drop).filter((reason): reason is DropReason => (DROP_REASONS as readonly string[]).includes(reason))
  const lines: number[] = []
  for (const text of [...list(form.exclude_lines), ...list(form.exclude_text).flatMap(text => text.split(/[\s,]+/))]) {
    if (text.trim() === '') continue
    const line = Number(text)
    if (!Number.isSafeInteger(line) || line < 1) throw new InvalidInput(`"${text.slice(0, 20)}" is not a line number: give whole numbers from 1.`, 'exclude_lines')
    lines.push(line)
  }
  const body: DeriveBody = { format, drop: ['errors', ...drop], exclude_lines: lines }
  const split = String(form.split ?? 'none')
  const value = Number(form.split_value)
  if (split === 'size') {
    if (!Number.isSafeInteger(value) || value < 1) throw new InvalidInput('The validation set\'s size must be a whole number of conversations from 1.', 'split_value')
    body.validation = { size: value }
  } else if (split === 'fraction') {
    if (!(value > 0 && value < 100)) throw new InvalidInput('The validation set\'s share must be more than 0 % and less than 100 %.', 'split_value')
    body.validation = { fraction: value / 100 }
  }
  if (form.seed !== undefined && String(form.seed) !== '') {
    const seed = Number(form.seed)
    if (!Number.isSafeInteger(seed) || seed < 0) throw new InvalidInput('The seed must be a whole number from 0.', 'seed')
    body.seed = seed
  }
  const name = String(form.name ?? '').trim()
  if (name) body.name = name.slice(0, 180)
  return body
}

/** The dataset page's hand-off panel (lineage, Use for training, Prepare for training) and its form. */
const handoffPages: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.requirePageUser)

  app.get('/datasets/:id/handoff', { schema: { params: DatasetParams } }, async (request, reply) => {
    const dataset = await app.datasets.get(request.user!.id, request.params.id)
    const { parent, children } = await app.handoff.lineage(request.user!.id, dataset)
    return await reply.render('datasets/_handoff-panel', {
      dataset, parent, children, formats: EXPORT_FORMATS, host: `${request.protocol}://${request.headers.host}`,
      exportName: `${baseName(dataset.fileName)}.openai.jsonl`
    })
  })

  app.post('/datasets/:id/derive', { schema: { params: DatasetParams } }, async (request, reply) => {
    const userId = request.user!.id
    const id = request.params.id
    try {
      const made = await app.handoff.derive(userId, id, deriveBodyFromForm((request.body ?? {}) as Record<string, unknown>))
      addFlash(reply, { kind: 'success', message: `Preparing ${made.map(d => `"${d.name}"`).join(' and ')}: they are written, then validated.` })
      return await reply.redirect(`/datasets/${made[0].id}`, 303)
    } catch (error) {
      // A wrong field or state is said on the dataset's page; anything else is the error page's.
      if (!(error instanceof DomainError) || error instanceof NotFound) throw error
      addFlash(reply, { kind: 'error', message: error.message })
      return await reply.redirect(`/datasets/${id}#prepare`, 303)
    }
  })
}

export default handoffPages
