import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import formbody from '@fastify/formbody'
import type { Config } from './config.js'
import { NotSignedIn } from './errors.js'
import dbPlugin from './plugins/db.js'
import storagePlugin from './plugins/storage.js'
import sessionPlugin from './plugins/session.js'
import authPlugin from './plugins/auth.js'
import viewsPlugin from './plugins/views.js'
import errorsPlugin from './plugins/errors.js'
import responsesPlugin, { isApiRequest } from './plugins/responses.js'
import securityPlugin from './plugins/security.js'
import staticPlugin from './plugins/static.js'
import multipartPlugin from './plugins/multipart.js'
import refusedBodiesPlugin from './plugins/refused-bodies.js'
import datasetsPlugin from './plugins/datasets.js'
import metricsPlugin from './plugins/metrics.js'
import notificationsPlugin from './plugins/notifications.js'
import workerPlugin from './plugins/worker.js'
import { apiDocs } from './plugins/api-docs.js'
import datasetsApi from './routes/api/datasets.js'
import datasetsManageApi from './routes/api/datasets-manage.js'
import modelsApi from './routes/api/models.js'
import revalidatePages from './routes/pages/revalidate.js'
import handoffApi from './routes/api/handoff.js'
import notificationsApi from './routes/api/notifications.js'
import notificationPages from './routes/pages/notifications.js'
import healthRoutes from './routes/health.js'
import authPages from './routes/pages/auth.js'
import settingsPages from './routes/pages/settings.js'
import datasetPages from './routes/pages/datasets.js'
import handoffPages from './routes/pages/handoff.js'
import formatPages from './routes/pages/formats.js'
import authApi from './routes/api/auth.js'
import apiDocsRoutes from './routes/api/docs.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** true: an /api route that answers without a signed-in user. */
    public?: boolean
  }
  interface FastifyInstance {
    config: Config
    /** Every route's method and URL, in registration order (the security tests walk them all). */
    routeTable: Array<{ method: string, url: string }>
  }
}

/** A Config whose databaseUrl and s3.endpoint are set (embedded services already started). */
export type ResolvedConfig = Config & { databaseUrl: string }

export async function buildApp (config: ResolvedConfig, options: { logger?: FastifyServerOptions['logger'] } = {}): Promise<FastifyInstance> {
  const production = config.nodeEnv === 'production'
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    trustProxy: production,
    bodyLimit: 1024 * 1024,
    // Uploads are long requests: no overall request timeout, but idle sockets are closed.
    requestTimeout: 0,
    connectionTimeout: 0,
    // Starting the worker (graphile-worker's migrations, the analysis threads) can take longer than
    // Fastify's default 10 s on a busy machine; a start that takes a minute is still a failure.
    pluginTimeout: 60_000,
    // `x-message`: a parameter's own error sentence (schemas/common.ts), an annotation for Ajv.
    ajv: { customOptions: { keywords: ['x-message'] } }
  })
  // Response schemas document the API (OpenAPI); responses are serialised as they always were.
  app.setSerializerCompiler(() => data => JSON.stringify(data))
  app.decorate('config', config)
  const routeTable: Array<{ method: string, url: string }> = []
  app.decorate('routeTable', routeTable)
  app.addHook('onRoute', route => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeTable.push({ method, url: route.url })
  })

  await app.register(refusedBodiesPlugin, config.refusedBodyDrain)
  await app.register(dbPlugin, { url: config.databaseUrl })
  await app.register(storagePlugin, { s3: config.s3 })
  await app.register(sessionPlugin, { secret: config.sessionSecret, secure: production })
  await app.register(authPlugin)
  // Templates are cached except in development, where edits show at once.
  await app.register(viewsPlugin, { production: config.nodeEnv !== 'development' })
  await app.register(errorsPlugin)
  await app.register(responsesPlugin)
  await app.register(securityPlugin, { production })
  await app.register(formbody, { bodyLimit: 64 * 1024 })
  await app.register(staticPlugin)
  await app.register(multipartPlugin, { maxUploadBytes: config.maxUploadBytes })
  await app.register(metricsPlugin, { token: config.metricsToken })
  await app.register(datasetsPlugin, { maxUploadBytes: config.maxUploadBytes, uploads: config.uploads })
  await app.register(notificationsPlugin)
  await app.register(workerPlugin, { databaseUrl: config.databaseUrl, concurrency: config.workerConcurrency, enabled: config.role !== 'web', trashRetentionDays: config.trashRetentionDays, validation: config.validation })
  await app.register(apiDocs)

  app.addHook('onRequest', async (request) => {
    if (isApiRequest(request.url) && !request.user && request.routeOptions.config?.public !== true) {
      throw new NotSignedIn('Sign in first: send "Authorization: Bearer <token>" or a session cookie.')
    }
  })

  await app.register(healthRoutes)
  await app.register(authPages)
  await app.register(authApi)
  await app.register(settingsPages)
  await app.register(datasetPages, { uploadsPerMinute: config.uploadsPerMinute })
  await app.register(revalidatePages)
  await app.register(handoffPages)
  await app.register(formatPages)
  await app.register(datasetsApi, { uploadsPerMinute: config.uploadsPerMinute })
  await app.register(datasetsManageApi)
  await app.register(modelsApi)
  await app.register(handoffApi)
  await app.register(notificationPages)
  await app.register(notificationsApi)
  await app.register(apiDocsRoutes)

  return app
}
