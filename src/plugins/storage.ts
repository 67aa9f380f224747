import fp from 'fastify-plugin'
import { createStorage, type Storage } from '../datasets/storage.js'
import type { Config } from '../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    storage: Storage
  }
}

export default fp<{ s3: Config['s3'] }>(async (app, { s3 }) => {
  const storage = createStorage(s3)
  app.decorate('storage', storage)
  app.addHook('onClose', async () => { storage.client.destroy() })
}, { name: 'storage' })
