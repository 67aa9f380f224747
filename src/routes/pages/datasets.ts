import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DatasetError } from '../../datasets/errors.js'
import { parseListQuery, type ListQuery } from '../../datasets/listing.js'
import type { Dataset } from '../../db/schema.js'
import type { Issue, Report } from '../../validation/index.js'
import { TOKENIZERS, DEFAULT_CONTEXT_LIMIT } from '../../validation/index.js'
import { addFlash } from '../../plugins/views.js'
import { isUuid } from '../params.js'
import { downloadHeaders, parseRecordsQuery } from '../api/datasets-manage.js'
import { receiveUpload, UploadFailure, uploadRateLimit } from '../upload.js'

const FINAL = new Set(['ready', 'error'])
const SORT_OPTIONS: Record<string, { sort: string, order: string, label: string }> = {
  newest: { sort: 'created_at', order: 'desc', label: 'Newest' },
  oldest: { sort: 'created_at', order: 'asc', label: 'Oldest' },
  name: { sort: 'name', order: 'asc', label: 'Name' },
  size: { sort: 'file_size', order: 'desc', label: 'Size' }
}
const RECORDS_PER_PAGE = 20

interface ListParams { search?: string, status?: string, sort?: string, page?: string }

/** The page's query (search, status, sort by name, page) → the API's list query. */
function listQueryFor (params: ListParams, deleted: boolean): { query: ListQuery, view: { search: string, status: string, sort: string } } {
  const sortKey = params.sort && SORT_OPTIONS[params.sort] ? params.sort : 'newest'
  const { sort, order } = SORT_OPTIONS[sortKey]
  const status = params.status && params.status !== 'all' ? params.status : ''
  const query = parseListQuery({ search: params.search ?? '', status, sort, order, page: params.page ?? '1', limit: '20', deleted: String(deleted) })
  return { query, view: { search: params.search ?? '', status: status || 'all', sort: sortKey } }
}

function pageUrl (base: string, view: { search: string, status: string, sort: string }, page: number): string {
  const params = new URLSearchParams()
  if (view.search) params.set('search', view.search)
  if (view.status && view.status !== 'all') params.set('status', view.status)
  if (view.sort && view.sort !== 'newest') params.set('sort', view.sort)
  if (page > 1) params.set('page', String(page))
  const text = params.toString()
  return text ? `${base}?${text}` : base
}

/** Issues of the kept report, filtered by severity and code (query parameters). */
function filterIssues (report: Report | null, severity: string | undefined, code: string | undefined): Issue[] {
  if (!report) return []
  return [...report.errors, ...report.warnings]
    .filter(issue => !severity || severity === 'all' || issue.severity === severity)
    .filter(issue => !code || code === 'all' || issue.code === code)
    .sort((a, b) => a.line - b.line)
}

export default async function datasetPages (app: FastifyInstance, { uploadsPerMinute }: { uploadsPerMinute: number }) {
  app.addHook('onRequest', app.requirePageUser)

  const formContext = (values: Record<string, string> = {}, error: string | null = null) => ({
    values: { name: '', description: '', tokenizer: 'o200k_base', context_limit: String(DEFAULT_CONTEXT_LIMIT), ...values },
    error,
    tokenizers: TOKENIZERS,
    maxUploadBytes: app.datasets.maxUploadBytes
  })

  const findOr404 = async (userId: string, id: string, reply: FastifyReply): Promise<Dataset | null> => {
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

  const renderList = async (request: FastifyRequest<{ Querystring: ListParams }>, reply: FastifyReply, deleted: boolean) => {
    const base = deleted ? '/datasets/trash' : '/datasets'
    const fragment = request.headers['hx-request'] === 'true' && request.headers['hx-target'] === 'dataset-list'
    let listing
    try {
      listing = listQueryFor(request.query, deleted)
    } catch (error) {
      if (!(error instanceof DatasetError)) throw error
      return await reply.fail(400, error.message)
    }
    const { query, view } = listing
    let result = null
    let failure: string | null = null
    try {
      result = await app.datasets.list(request.user!.id, query)
    } catch (error) {
      request.log.error({ err: error }, 'dataset list failed')
      failure = 'The datasets could not be loaded just now.'
    }
    const context = {
      deleted, base, view, query, failure,
      datasets: result?.rows ?? [],
      pagination: result?.pagination ?? { page: query.page, limit: query.limit, total: 0, total_pages: 0 },
      summary: result?.summary ?? null,
      ...(result ? { unreadNotifications: result.unreadNotifications } : {}),
      sortOptions: SORT_OPTIONS,
      pageUrl: (page: number) => pageUrl(base, view, page),
      retryUrl: pageUrl(base, view, query.page)
    }
    return await reply.render(fragment ? 'datasets/_list' : 'datasets/index', context, failure ? 503 : 200)
  }

  app.get<{ Querystring: ListParams }>('/datasets', async (request, reply) => await renderList(request, reply, false))
  app.get<{ Querystring: ListParams }>('/datasets/trash', async (request, reply) => await renderList(request, reply, true))

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
      const { _csrf: _ignored, ...values } = error.raw
      return await reply.render(htmx ? 'datasets/_upload-form' : 'datasets/new', formContext(values, error.message), status)
    }
  })

  /** What the dataset page shows of a dataset; the final status fragment brings the same parts. */
  const detailsContext = (dataset: Dataset, severity = 'all', code = 'all') => {
    const report = dataset.report as Report | null
    return {
      dataset,
      final: FINAL.has(dataset.status),
      issues: filterIssues(report, severity, code),
      severity,
      code,
      codes: Object.keys((dataset.issueCounts ?? {}) as Record<string, number>)
    }
  }

  app.get<{ Params: { id: string }, Querystring: { severity?: string, code?: string } }>('/datasets/:id', async (request, reply) => {
    const dataset = await findOr404(request.user!.id, request.params.id, reply)
    if (!dataset) return reply
    return await reply.render('datasets/show', detailsContext(dataset, request.query.severity, request.query.code))
  })

  // Polled every 2 s while the dataset is not final; the final fragment has no trigger, so polling
  // stops. That last answer also swaps in the parts of the page that validation filled
  // (out-of-band: fields, actions, statistics, histogram, issues) and tells the conversation
  // viewer to reload its page, so the whole view is final without a reload.
  app.get<{ Params: { id: string } }>('/datasets/:id/status', async (request, reply) => {
    const dataset = await findOr404(request.user!.id, request.params.id, reply)
    if (!dataset) return reply
    const final = FINAL.has(dataset.status)
    if (!final || request.headers['hx-request'] !== 'true') return await reply.render('datasets/_status', { dataset, final })
    reply.header('HX-Trigger', 'dataset-final')
    return await reply.render('datasets/_status', { ...detailsContext(dataset), oob: true })
  })

  app.get<{ Params: { id: string } }>('/datasets/:id/card', async (request, reply) => {
    const dataset = await findOr404(request.user!.id, request.params.id, reply)
    if (!dataset) return reply
    return await reply.render('datasets/_card', { d: dataset, host: `${request.protocol}://${request.headers.host}` })
  })

  app.get<{ Params: { id: string }, Querystring: { offset?: string, line?: string } }>('/datasets/:id/records', async (request, reply) => {
    const dataset = await findOr404(request.user!.id, request.params.id, reply)
    if (!dataset) return reply
    let offset: number
    try {
      // "Jump to line N" asks for the records from line N on.
      const line = request.query.line
      offset = line !== undefined && line !== '' ? Math.max(0, parseRecordsQuery({ offset: line }).offset - 1) : parseRecordsQuery({ offset: request.query.offset }).offset
    } catch (error) {
      return await reply.fail(400, (error as Error).message)
    }
    const report = dataset.report as Report | null
    const flagged = new Map<number, Issue[]>()
    for (const issue of report ? [...report.errors, ...report.warnings] : []) flagged.set(issue.line, [...(flagged.get(issue.line) ?? []), issue])
    let page = null
    let failure: string | null = null
    try {
      page = await app.datasets.records(request.user!.id, dataset.id, offset, RECORDS_PER_PAGE)
    } catch (error) {
      if (!(error instanceof DatasetError)) throw error
      failure = error.message
    }
    return await reply.render('datasets/_records', { dataset, page, offset, failure, flagged })
  })

  app.get<{ Params: { id: string } }>('/datasets/:id/download', async (request, reply) => {
    if (!isUuid(request.params.id)) return await reply.fail(404, 'Dataset not found.')
    try {
      const { dataset, stream } = await app.datasets.openFile(request.user!.id, request.params.id)
      return reply.headers(downloadHeaders(dataset.fileName, dataset.fileSize)).send(stream)
    } catch (error) {
      if (!(error instanceof DatasetError)) throw error
      return await reply.fail(error.status, error.message)
    }
  })

  app.get<{ Params: { id: string } }>('/datasets/:id/report.json', async (request, reply) => {
    const dataset = await findOr404(request.user!.id, request.params.id, reply)
    if (!dataset) return reply
    if (!dataset.report) return await reply.fail(409, 'The report is not ready yet.')
    const name = dataset.fileName.replace(/\.(jsonl|ndjson)(\.gz)?$/i, '')
    return reply.headers({ 'content-type': 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="${name}.report.json"` })
      .send(JSON.stringify(dataset.report))
  })

  app.get<{ Params: { id: string } }>('/datasets/:id/delete', async (request, reply) => {
    const dataset = await findOr404(request.user!.id, request.params.id, reply)
    if (!dataset) return reply
    return await reply.render('datasets/delete', { dataset })
  })

  /** Delete (to the trash, with Undo) and restore: the same steps, another service call and flash. */
  const trashRoute = (path: string, change: (userId: string, id: string) => Promise<unknown>, done: (dataset: Dataset, reply: FastifyReply) => Promise<FastifyReply>) => {
    app.post<{ Params: { id: string } }>(path, async (request, reply) => {
      const dataset = await findOr404(request.user!.id, request.params.id, reply)
      if (!dataset) return reply
      try {
        await change(request.user!.id, dataset.id)
      } catch (error) {
        if (!(error instanceof DatasetError)) throw error
        return await reply.fail(error.status, error.message)
      }
      return await done(dataset, reply)
    })
  }

  trashRoute('/datasets/:id/delete', (userId, id) => app.datasets.softDelete(userId, id), async (dataset, reply) => {
    addFlash(reply, { kind: 'success', message: `"${dataset.name}" moved to the trash.`, undo: { action: `/datasets/${dataset.id}/restore`, label: 'Undo' } })
    return await reply.redirect('/datasets', 303)
  })

  trashRoute('/datasets/:id/restore', (userId, id) => app.datasets.restore(userId, id), async (dataset, reply) => {
    addFlash(reply, { kind: 'success', message: `"${dataset.name}" restored.` })
    return await reply.redirect(`/datasets/${dataset.id}`, 303)
  })
}
