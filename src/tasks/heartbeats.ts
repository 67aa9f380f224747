import type pg from 'pg'

/** True while a process with this id runs on this host (signal 0 only checks). */
export function processAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export interface LockingWorker {
  locked_by: string
  hostname: string | null
  pid: number | null
  /** null when the worker never beat. */
  stale: boolean | null
}

/**
 * worker_heartbeats (drizzle/0002) and the job locks it judges: each process records its
 * graphile-worker ids; locks held by workers that stopped beating are released.
 */
export function createHeartbeatRepository (pool: pg.Pool) {
  return {
    async beat (workerIds: string[], hostname: string, pid: number): Promise<void> {
      await pool.query(`insert into worker_heartbeats (worker_id, hostname, pid, last_seen)
        select id, $2, $3, now() from unnest($1::text[]) as id
        on conflict (worker_id) do update set last_seen = now()`, [workerIds, hostname, pid])
    },

    /** Workers other than `own` that hold a job lock, with their last heartbeat. */
    async lockingWorkers (own: string[], deadAfterSeconds: number): Promise<LockingWorker[]> {
      const { rows } = await pool.query<LockingWorker>(`
        select distinct j.locked_by, h.hostname, h.pid, h.last_seen < now() - make_interval(secs => $1) as stale
        from graphile_worker._private_jobs j left join worker_heartbeats h on h.worker_id = j.locked_by
        where j.locked_by is not null and not (j.locked_by = any($2::text[]))`, [deadAfterSeconds, own])
      return rows
    },

    async unlock (workerIds: string[]): Promise<void> {
      await pool.query('select graphile_worker.force_unlock_workers($1::text[])', [workerIds])
      await this.forget(workerIds)
    },

    async forget (workerIds: string[]): Promise<void> {
      await pool.query('delete from worker_heartbeats where worker_id = any($1::text[])', [workerIds])
    }
  }
}
