import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'

/**
 * The document at /api/openapi.json and a reference page at /api/docs, readable signed out.
 * swagger-ui's page loads its scripts and styles from /api/docs/static (no inline script),
 * so it works under the app's CSP.
 */
export default async function apiDocsRoutes (app: FastifyInstance) {
  app.addHook('onRoute', route => { route.config = { ...route.config, public: true } })
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { deepLinking: true }, validatorUrl: false })
}
