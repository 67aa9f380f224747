import { ConfigError, loadConfig } from './config.js'
import { withEmbeddedServices } from './embedded/index.js'
import { migrateDatabase } from './db/migrate.js'
import { buildApp } from './app.js'

const SHUTDOWN_TIMEOUT_MS = 30_000

async function main (): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(error.message + '\n')
      process.exit(1)
    }
    throw error
  }
  const say = (line: string) => { if (config.logLevel !== 'silent') process.stdout.write(line + '\n') }
  const services = await withEmbeddedServices(config, say)
  const resolved = { ...services.config, databaseUrl: services.config.databaseUrl! }
  await migrateDatabase(resolved.databaseUrl)
  const app = await buildApp(resolved)

  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'shutting down: no new requests, finishing running jobs')
    const timer = setTimeout(() => {
      app.log.error('shutdown took too long: exiting')
      process.exit(1)
    }, SHUTDOWN_TIMEOUT_MS)
    timer.unref()
    try {
      await app.close()
      await services.stop()
      process.exit(0)
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => { void shutdown('SIGTERM') })
  process.on('SIGINT', () => { void shutdown('SIGINT') })

  try {
    await app.listen({ port: resolved.port, host: resolved.host })
  } catch (error) {
    app.log.error({ err: error }, 'could not listen')
    await app.close()
    await services.stop()
    process.exit(1)
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : resolved.port
  const shownHost = resolved.host === '0.0.0.0' || resolved.host === '::' ? 'localhost' : resolved.host
  say(`Datasets is listening on http://${shownHost}:${port}`)
}

main().catch(error => {
  process.stderr.write(`Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
