import type { FastifyInstance } from 'fastify'
import { desc, isNull } from 'drizzle-orm'
import { asUser } from '../../db/client.js'
import { datasets } from '../../db/schema.js'

export default async function datasetPages (app: FastifyInstance) {
  app.addHook('onRequest', app.requirePageUser)

  app.get('/datasets', async (request, reply) => {
    const rows = await asUser(app.db, request.user!.id, tx =>
      tx.select().from(datasets).where(isNull(datasets.deletedAt)).orderBy(desc(datasets.createdAt)).limit(50))
    return await reply.render('datasets/index', { datasets: rows })
  })
}
