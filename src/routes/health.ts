import type { FastifyInstance } from 'fastify'

async function check (probe: () => Promise<unknown>, timeoutMs: number): Promise<string> {
  try {
    await Promise.race([
      probe(),
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs).unref())
    ])
    return 'ok'
  } catch (error) {
    return `unreachable: ${(error as Error).message || (error as Error).name}`
  }
}

export default async function healthRoutes (app: FastifyInstance) {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    const [database, storage] = await Promise.all([
      check(() => app.sql`select 1`, 2000),
      check(() => app.storage.ping(2000), 2500)
    ])
    const ready = database === 'ok' && storage === 'ok'
    return await reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', database, storage })
  })
}
