import fp from 'fastify-plugin'
import { hostname } from 'node:os'
import pg from 'pg'
import { EventEmitter } from 'node:events'
import { Logger, run, type LogLevel, type Runner, type WorkerEvents } from 'graphile-worker'
import { createTaskList, cronItems } from '../tasks/index.js'
import { createHeartbeatRepository, processAlive } from '../tasks/heartbeats.js'
import { createAnalysisPool, type EngineSettings } from '../validation/index.js'
import { availableParallelism } from 'node:os'

declare module 'fastify' {
  interface FastifyInstance {
    /** The in-process graphile-worker runner, when this process runs jobs (ROLE=worker|all). */
    worker: Runner | null
  }
}

const HEARTBEAT_MS = 10_000
const DEAD_AFTER_SECONDS = 30

export interface WorkerPluginOptions {
  databaseUrl: string
  concurrency: number
  enabled: boolean
  trashRetentionDays: number
  /** The validation engine's tuning, from the config. */
  validation?: EngineSettings
}

/**
 * graphile-worker in the app process, on a pg pool of its own. Jobs are picked up through
 * LISTEN/NOTIFY. A worker killed mid-job (kill -9) leaves its job locked for 4 hours; every
 * process records its worker ids with a heartbeat and unlocks the jobs of workers that stopped
 * beating (or whose process on this host is gone), so they run again within a minute.
 */
export default fp<WorkerPluginOptions>(async (app, { databaseUrl, concurrency, enabled, trashRetentionDays, validation }) => {
  app.decorate('worker', null)
  if (!enabled) return

  const pool = new pg.Pool({ connectionString: databaseUrl, max: concurrency + 3 })
  pool.on('error', error => app.log.warn({ err: error }, 'worker pool: idle client error'))
  pool.on('connect', client => client.on('error', error => app.log.warn({ err: error }, 'worker pool: client error')))

  const logger = new Logger(scope => (level: LogLevel, message: string) => {
    const method = level === 'error' ? 'error' : level === 'warning' ? 'warn' : level === 'info' ? 'info' : 'debug'
    app.log[method]({ scope: scope.label }, message)
  })
  const workerIds = new Set<string>()
  const host = hostname()

  const heartbeats = createHeartbeatRepository(pool)

  const beat = async () => {
    if (workerIds.size === 0) return
    await heartbeats.beat([...workerIds], host, process.pid)
  }

  const unlockDeadWorkers = async () => {
    const rows = await heartbeats.lockingWorkers([...workerIds], DEAD_AFTER_SECONDS)
    const dead = rows.filter(row =>
      row.stale === true ||
      (row.hostname === host && row.pid !== null && (row.pid === process.pid || !processAlive(row.pid))) ||
      row.hostname === null // never beat: left by a process older than heartbeats, or one that died at once
    ).map(row => row.locked_by)
    if (dead.length === 0) return
    await heartbeats.unlock(dead)
    app.log.warn({ workers: dead }, 'unlocked jobs of workers that died')
  }

  // Our own emitter, listened to before run(): the workers are created inside run().
  const events = new EventEmitter() as WorkerEvents
  events.on('worker:create', ({ worker }) => { workerIds.add(worker.workerId) })
  // graphile-worker 0.17 locks jobs in the name of the pool, not of the worker running them:
  // without the pool's id here, a job running across a heartbeat was taken for a dead worker's,
  // unlocked, and run a second time alongside the first.
  events.on('pool:create', ({ workerPool }) => { workerIds.add(workerPool.id) })
  // Validation's analysis threads, kept for the life of the process and warmed with the
  // default tokenizer: a small file is ready in well under a second, a big one uses every core.
  // Warmed in the background: a slow start (a busy machine, threads loading from source) must not
  // hold up the server's start; a job that comes first simply waits for its threads.
  const analysisPool = createAnalysisPool(Math.max(1, Math.min(availableParallelism(), 4)), validation)
  analysisPool.warm('o200k_base').catch(error => app.log.warn({ err: error }, 'warming the analysis threads failed'))

  const runner = await run({
    pgPool: pool,
    events,
    concurrency,
    noHandleSignals: true,
    pollInterval: 2000,
    logger,
    taskList: createTaskList({ db: app.db, storage: app.storage, trashRetentionDays, pool: analysisPool, validationEvents: app.metrics.validationEvents }),
    parsedCronItems: cronItems
  })
  app.worker = runner

  const housekeeping = async () => {
    try {
      await beat()
      await unlockDeadWorkers()
    } catch (error) {
      app.log.warn({ err: error }, 'worker housekeeping failed')
    }
  }
  await housekeeping()
  const timer = setInterval(() => { void housekeeping() }, HEARTBEAT_MS)
  // Multipart uploads left by a process that died mid-upload: aborted after a day (where the
  // server can list them; production buckets should also have a lifecycle rule, see README).
  void app.storage.sweepIncompleteUploads(24 * 3600 * 1000).then(aborted => {
    if (aborted) app.log.info({ aborted }, 'aborted incomplete multipart uploads')
  }, error => app.log.warn({ err: error }, 'could not sweep incomplete multipart uploads'))
  timer.unref()

  app.addHook('onClose', async () => {
    clearInterval(timer)
    // Stop taking jobs and let running ones finish, then end the pool only after stop() has
    // settled: ending it at once can lose the last job's completion write (graphile-worker 0.17).
    await runner.stop()
    await new Promise(resolve => setImmediate(resolve))
    await heartbeats.forget([...workerIds]).catch(() => {})
    await pool.end()
    await analysisPool.close()
  })
}, { name: 'worker', dependencies: ['db', 'storage'] })
