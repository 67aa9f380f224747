import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The request body as the OpenAPI document shows it. Not validated by Fastify: the service
     * checks each field and names the one at fault, the same way for forms, multipart and JSON.
     */
    documentedBody?: object
    /** Media types of documentedBody (default application/json). */
    consumes?: string[]
  }
}

/** The JSON API's OpenAPI 3 description, built from the route schemas (pages are left out). */
export const apiDocs = fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Datasets API',
        version: '2',
        description: 'Upload, validate and manage fine-tuning datasets. Every call but sign-up and token creation takes ' +
          '`Authorization: Bearer <token>` (create one on the Settings page or with POST /api/auth/tokens). ' +
          'Answers are `{"success": true, "data": ...}` or `{"success": false, "error": "<one sentence>", "details"?: {...}}`.'
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }]
    },
    transform: ({ schema, url, route }) => {
      const documented = url.startsWith('/api/') && !url.startsWith('/api/docs') && url !== '/api/openapi.json'
      if (!documented) return { schema: { ...schema, hide: true }, url }
      const body = route.config?.documentedBody
      const open = route.config?.public === true ? { security: [] } : {}
      return { schema: { ...schema, ...open, ...(body ? { body, consumes: route.config?.consumes ?? ['application/json'] } : {}) }, url }
    }
  })
}, { name: 'api-docs' })
