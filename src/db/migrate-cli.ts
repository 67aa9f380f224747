import { ConfigError, loadConfig } from '../config.js'
import { withEmbeddedServices } from '../embedded/index.js'
import { migrateDatabase } from './migrate.js'

// `npm run db:migrate`: applies migrations to DATABASE_URL (or the embedded Postgres) and exits.
try {
  const config = loadConfig()
  const services = await withEmbeddedServices({ ...config, s3: { ...config.s3, endpoint: config.s3.endpoint ?? 'http://unused' } }, line => console.log(line))
  try {
    await migrateDatabase(services.config.databaseUrl!)
    console.log('migrations applied')
  } finally {
    await services.stop()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`)
  process.exit(1)
}
