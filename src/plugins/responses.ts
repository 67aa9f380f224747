import fp from 'fastify-plugin'
import type { FastifyReply } from 'fastify'

declare module 'fastify' {
  interface FastifyReply {
    /** {"success": true, "data": data} */
    ok: (data: unknown, status?: number) => FastifyReply
  }
}

export function isApiRequest (url: string): boolean {
  return url === '/api' || url.startsWith('/api/')
}

export default fp(async (app) => {
  app.decorateReply('ok', function (this: FastifyReply, data: unknown, status = 200) {
    return this.code(status).send({ success: true, data })
  })
}, { name: 'responses' })
