import fp from 'fastify-plugin'
import type { FastifyReply } from 'fastify'

declare module 'fastify' {
  interface FastifyReply {
    /** Answers with the API envelope for /api/* and with the error page elsewhere. */
    fail: (status: number, message: string, details?: unknown) => Promise<FastifyReply>
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
  app.decorateReply('fail', async function (this: FastifyReply, status: number, message: string, details?: unknown) {
    this.code(status)
    if (isApiRequest(this.request.url) || !this.request.headers.accept?.includes('text/html')) {
      return this.send(details === undefined ? { success: false, error: message } : { success: false, error: message, details })
    }
    return this.type('text/html; charset=utf-8').send(await this.page('errors/error', { status, message }))
  })
}, { name: 'responses', dependencies: ['views'] })
