import type { FastifyInstance } from 'fastify'
import { COMMON_MISTAKES, FILE_KINDS, FORMAT_GUIDE } from '../../datasets/format-guide.js'

/** The format guide: public, so a link to it works before signing up. */
export default async function formatPages (app: FastifyInstance) {
  app.get('/formats', async (_request, reply) => await reply.render('formats', { formats: FORMAT_GUIDE, files: FILE_KINDS, mistakes: COMMON_MISTAKES }))
}
