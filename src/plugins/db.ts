import fp from 'fastify-plugin'
import { createDatabase, type Database } from '../db/client.js'
import type postgres from 'postgres'

declare module 'fastify' {
  interface FastifyInstance {
    db: Database
    sql: postgres.Sql
  }
}

export default fp<{ url: string }>(async (app, { url }) => {
  const { client, db } = createDatabase(url)
  app.decorate('db', db)
  app.decorate('sql', client)
  app.addHook('onClose', async () => { await client.end({ timeout: 5 }) })
}, { name: 'db' })
