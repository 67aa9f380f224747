import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Conflict, DomainError, statusOf, Unavailable } from '../../errors.js'
import type { Dataset } from '../../db/schema.js'
import type { Issue, Report } from '../../validation/index.js'
import { TOKENIZERS, DEFAULT_CONTEXT_LIMIT } from '../../validation/index.js'
import { addFlash } from '../../plugins/views.js'
import { downloadHeaders } from '../../datasets/serialize.js'
import { PAGE_SORTS, vocabulary } from '../../datasets/vocabulary.js'
import { DatasetParams, IssuesQuery, PageListQuery, RecordsPageQuery, type ListQuery } from '../../schemas/datasets.js'
import { receiveUpload, uploadRateLimit } from '../upload.js'
import { shownTurns } from '../../views/conversation.js'

const RECORDS_PER_PAGE = 20
const PAGE_SIZE = 20

interface PageView { search: string, status: string, sort: string, origin: string }

/** The page's query (search, status, sort by name, page) → the API's list query; an unknown sort shows the newest first. */
function listQueryFor (params: { page: number, status: ListQuery['status'], search?: string, sort: string, origin: ListQuery['origin'] }, deleted: boolean): { query: ListQuery, view: PageView } {
  const sortKey = PAGE_SORTS.has(params.sort) ? params.sort : 'newest'
  const { sort, order } = PAGE_SORTS.get(sortKey)!
  const query = { page: params.page, limit: PAGE_SIZE, status: params.status, search: params.search, sort, order, deleted, origin: params.origin }
  return { query, view: { search: params.search ?? '', status: params.status, sort: sortKey, origin: params.origin } }
}

function pageUrl (base: string, view: PageView, page: number): string {
  const params = new URLSearchParams()
  if (view.search) params.set('search', view.search)
  if (view.status && view.status !== 'all') params.set('status', view.status)
  if (view.sort && view.sort !== 'newest') params.set('sort', view.sort)
  if (view.origin && view.origin !== 'all') params.set('origin', view.origin)
  if (page > 1) params.set('page', String(page))
  const text = params.toString()
  return text ? `${base}?${text}` : base
}

/** Issues of the kept report, filtered by severity and code (query parameters). */
function filterIssues (report: Report | null, severity: string, code: string): Issue[] {
  if (!report) return []
  return [...report.errors, ...report.warnings]
    .filter(issue => severity === 'all' || issue.severity === severity)
    .filter(issue => code === 'all' || issue.code === code)
    .sort((a, b) => a.line - b.line)
}

const datasetPages: FastifyPluginAsyncTypebox<{ uploadsPerMinute: number }> = async (app, { uploadsPerMinute }) => {
  app.addHook('onRequest', app.requirePageUser)

  const formContext = (values: Record<string, string> = {}, error: string | null = null) => ({
    values: { name: '', description: '', tokenizer: 'o200k_base', context_limit: String(DEFAULT_CONTEXT_LIMIT), ...values },
    error,
    tokenizers: TOKENIZERS,
    maxUploadBytes: app.datasets.maxUploadBytes
  })

  const renderList = async (request: FastifyRequest, reply: FastifyReply, params: Parameters<typeof listQueryFor>[0], deleted: boolean) => {
    const base = deleted ? '/datasets/trash' : '/datasets'
    const fragment = request.headers['hx-request'] === 'true' && request.headers['hx-target'] === 'dataset-list'
    const { query, view } = listQueryFor(params, deleted)
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
      // Read with the page: the layout's bell need not ask again.
      ...(result ? { unreadNotifications: result.counts.unreadNotifications } : {}),
      pageUrl: (page: number) => pageUrl(base, view, page),
      retryUrl: pageUrl(base, view, query.page)
    }
    return await reply.render(fragment ? 'datasets/_list' : 'datasets/index', context, failure ? 503 : 200)
  }

  app.get('/datasets', { schema: { querystring: PageListQuery } }, async (request, reply) => await renderList(request, reply, request.query, false))
  app.get('/datasets/trash', { schema: { querystring: PageListQuery } }, async (request, reply) => await renderList(request, reply, request.query, true))

  app.get('/datasets/new', async (_request, reply) => await reply.render('datasets/new', formContext()))

  app.post('/datasets', { config: { csrf: 'handler', rateLimit: uploadRateLimit(uploadsPerMinute) } }, async (request, reply) => {
    const htmx = request.headers['hx-request'] === 'true'
    const raw: Record<string, string> = Object.create(null)
    try {
      const dataset = await receiveUpload(app, request, raw)
      const location = `/datasets/${dataset.id}`
      // htmx follows HX-Redirect with a full page load; a plain form follows the 303.
      if (htmx) return await reply.header('HX-Redirect', location).code(201).send('')
      return await reply.redirect(location, 303)
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      // The form again, with what was typed and why it failed.
      const status = statusOf(error) === 400 ? 422 : statusOf(error)
      const { _csrf: _ignored, ...values } = raw
      return await reply.render(htmx ? 'datasets/_upload-form' : 'datasets/new', formContext(values, error.message), status)
    }
  })

  /** What the dataset page shows of a dataset; the final status fragment brings the same parts. */
  const detailsContext = (dataset: Dataset, severity = 'all', code = 'all') => {
    const report = dataset.report as Report | null
    return {
      dataset,
      final: vocabulary.isFinal(dataset.status),
      issues: filterIssues(report, severity, code),
      severity,
      code,
      codes: Object.keys((dataset.issueCounts ?? {}) as Record<string, number>)
    }
  }

  app.get('/datasets/:id', { schema: { params: DatasetParams, querystring: IssuesQuery } }, async (request, reply) => {
    const dataset = await app.datasets.get(request.user!.id, request.params.id)
    return await reply.render('datasets/show', detailsContext(dataset, request.query.severity, request.query.code))
  })

  // Polled every 2 s while the dataset is not final; the final fragment has no trigger, so polling
  // stops. That last answer also swaps in the parts of the page that validation filled
  // (out-of-band: fields, actions, statistics, histogram, issues) and tells the conversation
  // viewer to reload its page, so the whole view is final without a reload.
  app.get('/datasets/:id/status', { schema: { params: DatasetParams } }, async (request, reply) => {
    const dataset = await app.datasets.get(request.user!.id, request.params.id)
    const final = vocabulary.isFinal(dataset.status)
    if (!final || request.headers['hx-request'] !== 'true') return await reply.render('datasets/_status', { dataset, final })
    reply.header('HX-Trigger', 'dataset-final')
    return await reply.render('datasets/_status', { ...detailsContext(dataset), oob: true })
  })

  app.get('/datasets/:id/card', { schema: { params: DatasetParams } }, async (request, reply) => {
    const dataset = await app.datasets.get(request.user!.id, request.params.id)
    return await reply.render('datasets/_card', { d: dataset, host: `${request.protocol}://${request.headers.host}` })
  })

  app.get('/datasets/:id/records', { schema: { params: DatasetParams, querystring: RecordsPageQuery } }, async (request, reply) => {
    const dataset = await app.datasets.get(request.user!.id, request.params.id)
    // "Jump to line N" asks for the records from line N on.
    const { line, offset: from } = request.query
    const offset = line !== undefined ? Math.max(0, line - 1) : from
    const report = dataset.report as Report | null
    const flagged = new Map<number, Issue[]>()
    for (const issue of report ? [...report.errors, ...report.warnings] : []) flagged.set(issue.line, [...(flagged.get(issue.line) ?? []), issue])
    let page = null
    let failure: string | null = null
    try {
      page = await app.datasets.records(request.user!.id, dataset.id, offset, RECORDS_PER_PAGE, { fromLine: line !== undefined ? Math.max(1, line) : undefined })
    } catch (error) {
      // Shown in the fragment with a Retry link; the rest of the page stays.
      if (!(error instanceof Conflict || error instanceof Unavailable)) throw error
      failure = error.message
    }
    return await reply.render('datasets/_records', { dataset, page, offset, failure, flagged, shownTurns })
  })

  app.get('/datasets/:id/download', { schema: { params: DatasetParams } }, async (request, reply) => {
    const { dataset, stream } = await app.datasets.openFile(request.user!.id, request.params.id)
    return reply.headers(downloadHeaders(dataset.fileName, dataset.fileSize)).send(stream)
  })

  app.get('/datasets/:id/report.json', { schema: { params: DatasetParams } }, async (request, reply) => {
    const dataset = await app.datasets.get(request.user!.id, request.params.id)
    const report = await app.datasets.report(request.user!.id, request.params.id) // the API's report, in the CLI's shape
    const name = dataset.fileName.replace(/\.(jsonl|ndjson|json)(\.gz)?$|\.parquet$/i, '')
    return reply.headers({ 'content-type': 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="${name}.report.json"` })
      .send(JSON.stringify(report))
  })

  app.get('/datasets/:id/delete', { schema: { params: DatasetParams } }, async (request, reply) => {
    const dataset = await app.datasets.get(request.user!.id, request.params.id)
    return await reply.render('datasets/delete', { dataset })
  })

  app.post('/datasets/:id/delete', { schema: { params: DatasetParams } }, async (request, reply) => {
    const dataset = await app.datasets.softDelete(request.user!.id, request.params.id)
    addFlash(reply, { kind: 'success', message: `"${dataset.name}" moved to the trash.`, undo: { action: `/datasets/${dataset.id}/restore`, label: 'Undo' } })
    return await reply.redirect('/datasets', 303)
  })

  app.post('/datasets/:id/restore', { schema: { params: DatasetParams } }, async (request, reply) => {
    const dataset: Dataset = await app.datasets.restore(request.user!.id, request.params.id)
    addFlash(reply, { kind: 'success', message: `"${dataset.name}" restored.` })
    return await reply.redirect(`/datasets/${dataset.id}`, 303)
  })
}

export default datasetPages
