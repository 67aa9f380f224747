import type { Database } from '../db/client.js'
import type { Dataset } from '../db/schema.js'
import { formatDuration } from '../views/format.js'
import { createDatasetRepository } from './repository.js'

/** How often, at most, a job's progress is written. */
export const PROGRESS_INTERVAL_MS = 1000

/** The API's `progress` of a dataset: stored bytes read of bytes total. */
export interface Progress { bytes_read: number, bytes_total: number }

export interface ProgressOptions {
  intervalMs?: number
  /** A failed write is reported here and the job goes on (the next tick writes again). */
  onError?: (error: Error) => void
}

/**
 * Counts the bytes a job reads from its source and has the count written by a timer, at most
 * once per interval and only when it changed: never a write per chunk or batch. The count is
 * taken where the bytes leave storage (`count(stream)`), so the engine knows nothing of it.
 * A write still running when the next tick comes is not doubled; `stop()` waits for it.
 */
export class ProgressRecorder {
  private bytesRead = 0
  private written = -1
  private writing: Promise<void> | null = null
  private readonly timer: NodeJS.Timeout

  constructor (private readonly write: (bytesRead: number) => Promise<void>, private readonly options: ProgressOptions = {}) {
    this.flush() // reading begins: 0 bytes, and the time it began
    this.timer = setInterval(() => this.flush(), options.intervalMs ?? PROGRESS_INTERVAL_MS)
    this.timer.unref()
  }

  get read (): number { return this.bytesRead }

  /** Bytes read some other way than through `count`. */
  add (bytes: number): void { this.bytesRead += bytes }

  /** `source` as it is, counting each chunk as the consumer takes it. */
  async * count<T extends Uint8Array> (source: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const chunk of source) {
      this.bytesRead += chunk.byteLength
      yield chunk
    }
  }

  private flush (): void {
    if (this.writing || this.bytesRead === this.written) return
    const bytes = this.bytesRead
    this.writing = this.write(bytes)
      .then(() => { this.written = bytes }, (error: Error) => this.options.onError?.(error))
      .finally(() => { this.writing = null })
  }

  /** No more writes; resolves once the last one has landed (call it before the job's final write). */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    await this.writing
  }
}

/**
 * A recorder for a job that reads `bytesTotal` bytes to make `datasetIds` (validation: the
 * dataset itself; derive: every dataset it writes). Each write lands only on those still
 * `validating`; finishValidation clears it.
 */
export function recordDatasetProgress (db: Database, datasetIds: string[], bytesTotal: number, options: ProgressOptions = {}): ProgressRecorder {
  const repository = createDatasetRepository(db)
  const startedAt = new Date().toISOString()
  return new ProgressRecorder(async bytesRead => {
    await repository.recordProgress(datasetIds, { bytes_read: bytesRead, bytes_total: bytesTotal, started_at: startedAt, at: new Date().toISOString() })
  }, options)
}

type ProgressRow = Pick<Dataset, 'status' | 'progress' | 'fileSize'>

/** While validating, how far the job has read (0 of the file's size until it starts); null otherwise. */
export function progressOf (row: ProgressRow): Progress | null {
  if (row.status !== 'validating') return null
  const stored = row.progress
  return stored ? { bytes_read: stored.bytes_read, bytes_total: stored.bytes_total } : { bytes_read: 0, bytes_total: row.fileSize }
}

/** What the progress bar shows: percent, and the time left at the rate read so far (null until known). */
export interface ProgressView extends Progress { percent: number, timeLeft: string | null, done: boolean }

export function progressView (row: ProgressRow, now = Date.now()): ProgressView | null {
  const progress = progressOf(row)
  if (!progress) return null
  const { bytes_read: read, bytes_total: total } = progress
  const done = total > 0 && read >= total
  const percent = total > 0 ? Math.min(100, Math.floor((read / total) * 100)) : 0
  let timeLeft: string | null = null
  const stored = row.progress
  if (stored && read > 0 && !done) {
    const at = Date.parse(stored.at)
    const elapsed = (at - Date.parse(stored.started_at)) / 1000
    if (elapsed > 0) {
      // The rate so far, counted from the last record: the page polls between records.
      const left = ((total - read) * elapsed) / read - Math.max(0, now - at) / 1000
      timeLeft = formatDuration(Math.max(1, left))
    }
  }
  return { ...progress, percent, timeLeft, done }
}
