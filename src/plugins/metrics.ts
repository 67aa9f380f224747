import fp from 'fastify-plugin'
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { Forbidden, WrongCredentials } from '../errors.js'
import type { UploadEvents, UploadRefusal } from '../datasets/service.js'
import { VALIDATE_TASK } from '../datasets/repository.js'

/** What the validation task reports, for the metrics. */
export interface ValidationEvents {
  started: () => void
  /** outcome: the dataset's final status, or `failed` when the file could not be read (a retry follows). */
  finished: (outcome: 'ready' | 'error' | 'failed', seconds: number, bytes: number) => void
}

export interface Metrics {
  registry: Registry
  uploadEvents: UploadEvents
  uploadRefused: (reason: UploadRefusal) => void
  validationEvents: ValidationEvents
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * Prometheus metrics (README, "Metrics"), one registry per app. GET /metrics answers loopback
 * clients that came through no proxy, and anyone with `Authorization: Bearer METRICS_TOKEN`
 * when that is set. Labels are fixed sets (route patterns, reasons, outcomes), never user input.
 */
export default fp<{ token: string | null }>(async (app, { token }) => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const budget = () => app.hasDecorator('datasets') ? app.datasets.budget : null

  const inFlight = new Gauge({ name: 'datasets_uploads_in_flight', help: 'Uploads being received (reading, waiting for buffer or storing).', registers: [registry] })
  new Gauge({
    name: 'datasets_uploads_waiting', help: 'Uploads waiting for upload buffer (their sockets are not read meanwhile).', registers: [registry],
    collect () { this.set(budget()?.waiting ?? 0) }
  })
  new Gauge({
    name: 'datasets_upload_buffer_bytes', help: 'Upload buffer bytes held by uploads now.', registers: [registry],
    collect () { this.set(budget()?.inUse ?? 0) }
  })
  new Gauge({
    name: 'datasets_upload_buffer_budget_bytes', help: 'The upload buffer budget (UPLOAD_BUFFER_MB).', registers: [registry],
    collect () { this.set(budget()?.capacity ?? 0) }
  })
  const refused = new Counter({ name: 'datasets_uploads_refused_total', help: 'Uploads refused, by reason.', labelNames: ['reason'], registers: [registry] })
  const received = new Counter({ name: 'datasets_upload_received_bytes_total', help: 'File bytes received by uploads.', registers: [registry] })

  new Gauge({
    name: 'datasets_validation_jobs_queued', help: 'Validation jobs waiting for a worker (all processes).', registers: [registry],
    async collect () {
      try {
        const [row] = await app.sql<Array<{ n: number }>>`select count(*)::int as n from graphile_worker.jobs where task_identifier = ${VALIDATE_TASK} and locked_at is null`
        this.set(row.n)
      } catch { /* no worker schema yet: nothing queued */ }
    }
  })
  const running = new Gauge({ name: 'datasets_validation_jobs_running', help: 'Validation jobs running in this process.', registers: [registry] })
  const finished = new Counter({ name: 'datasets_validation_jobs_finished_total', help: 'Validation jobs finished, by outcome.', labelNames: ['outcome'], registers: [registry] })
  const duration = new Histogram({
    name: 'datasets_validation_duration_seconds', help: 'Time to validate one file.', registers: [registry],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600]
  })
  const throughput = new Histogram({
    name: 'datasets_validation_bytes_per_second', help: 'Stored bytes validated per second, per file.', registers: [registry],
    buckets: [1e5, 1e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 2e8, 5e8]
  })
  const requests = new Histogram({
    name: 'http_request_duration_seconds', help: 'Request durations, by route pattern.', labelNames: ['method', 'route', 'status_code'], registers: [registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
  })

  const metrics: Metrics = {
    registry,
    uploadEvents: {
      started: () => inFlight.inc(),
      finished: () => inFlight.dec(),
      received: bytes => received.inc(bytes)
    },
    uploadRefused: reason => refused.inc({ reason }),
    validationEvents: {
      started: () => running.inc(),
      finished: (outcome, seconds, bytes) => {
        running.dec()
        finished.inc({ outcome })
        duration.observe(seconds)
        if (outcome !== 'failed' && seconds > 0) throughput.observe(bytes / seconds)
      }
    }
  }
  app.decorate('metrics', metrics)

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(unmatched)'
    requests.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
  })

  const allowed = (request: FastifyRequest): boolean => {
    const direct = LOOPBACK.has(request.socket.remoteAddress ?? '') && request.headers['x-forwarded-for'] === undefined
    if (direct) return true
    if (token === null) throw new Forbidden('Metrics are served to loopback clients only.')
    const sent = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    if (sent !== undefined && timingSafeEqual(digest(sent), digest(token))) return true
    throw new WrongCredentials('Send the metrics token: "Authorization: Bearer <METRICS_TOKEN>".')
  }

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    try {
      allowed(request)
    } catch (error) {
      if (error instanceof WrongCredentials) reply.header('www-authenticate', 'Bearer')
      throw error
    }
    reply.header('cache-control', 'no-store').type(registry.contentType)
    return await registry.metrics()
  })
}, { name: 'metrics', dependencies: ['db'] })
