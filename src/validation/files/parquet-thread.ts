import { Worker } from 'node:worker_threads'
import { ShortReadError, type ByteSource } from './byte-source.js'
import type { RecordSink } from './stored-file.js'

/** Rows as JSON bytes: record i is data[offsets[i], offsets[i + 1]), or too long when tooLong[i] > 0 (its length). */
export interface ParquetBatch { data: Uint8Array, offsets: Uint32Array, lines: Float64Array, tooLong: Float64Array }

export type ParquetThreadRequest =
  | { type: 'start', byteLength: number, columns: 'format' | 'all', maxRecordBytes: number, skip: number, take: number }
  | { type: 'bytes', id: number, buffer?: ArrayBuffer, error?: string, short?: boolean }
  | { type: 'ack' }

export type ParquetThreadMessage =
  | { type: 'range', id: number, start: number, end: number }
  | { type: 'opened', rows: number }
  | { type: 'batch', batch: ParquetBatch }
  | { type: 'fault', message: string }
  | { type: 'error', message: string }
  | { type: 'done' }

/**
 * The reader thread's heap cap. V8 grows a heap long before it collects, and decoding a slice of
 * rows leaves much garbage (a page that spans many slices is decoded for each): capped, the
 * thread stays near its live set (one slice of rows, its pages) instead of hundreds of MB. A
 * file that cannot be read within it (a single page of hundreds of MB) is `invalid_parquet`.
 */
export const PARQUET_THREAD_HEAP_MB = 128
const YOUNG_MB = 8

const FROM_SOURCE = import.meta.url.endsWith('.ts')
const WORKER_FILE = new URL(FROM_SOURCE ? './parquet-worker.ts' : './parquet-worker.js', import.meta.url)

function startWorker (): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: PARQUET_THREAD_HEAP_MB, maxYoungGenerationSizeMb: YOUNG_MB }
  if (!FROM_SOURCE) return new Worker(WORKER_FILE, { resourceLimits })
  const bootstrap = `import('tsx/esm/api').then(api => { api.register(); return import(${JSON.stringify(WORKER_FILE.href)}) })`
  return new Worker(bootstrap, { eval: true, resourceLimits })
}

export interface ParquetThreadOptions {
  columns: 'format' | 'all'
  maxRecordBytes: number
  /** Rows to skip, then rows to read at most. */
  skip: number
  take: number
  /** Awaited after each batch has been handed on; `stop` then ends the read early. */
  afterBatch?: () => Promise<void> | void
  stop?: () => boolean
}

/**
 * A Parquet file's rows → `sink`, decoded in a thread of its own (parquet-worker.ts, which runs
 * parquet.ts): this thread only answers its byte ranges from `source` and hands the rows on, so
 * an HTTP server's event loop stays free and the decoding's memory stays under the thread's cap.
 * Returns the file's rows (from its footer; 0 when it cannot be opened) and the fault, if any.
 */
export async function readParquetInThread (source: ByteSource, sink: RecordSink, options: ParquetThreadOptions): Promise<{ rows: number, fault: string | null }> {
  const worker = startWorker()
  let rows = 0
  let fault: string | null = null
  let stopped = false
  let chain: Promise<void> = Promise.resolve()
  const post = (message: ParquetThreadRequest, transfer: ArrayBuffer[] = []) => { if (!stopped) worker.postMessage(message, transfer) }
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => { stopped = true; reject(error) }
      worker.on('error', (error: Error & { code?: string }) => {
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          fault ??= `The Parquet file cannot be read within the reader's memory limit of ${PARQUET_THREAD_HEAP_MB} MB: its pages are too large to decode; the rows before them were checked.`
          stopped = true
          chain.then(resolve, reject)
        } else {
          fail(error)
        }
      })
      worker.on('exit', code => { if (!stopped) fail(new Error(`the Parquet reader thread stopped (exit code ${code})`)) })
      worker.on('message', (message: ParquetThreadMessage) => {
        switch (message.type) {
          case 'range':
            source.slice(message.start, message.end).then(
              buffer => post({ type: 'bytes', id: message.id, buffer }, [buffer]),
              (error: Error) => post({ type: 'bytes', id: message.id, error: error.message, short: error instanceof ShortReadError })
            )
            return
          case 'opened':
            rows = message.rows
            return
          case 'fault':
            fault ??= message.message
            return
          case 'error':
            fail(new Error(message.message))
            return
          case 'done':
            stopped = true
            chain.then(resolve, reject)
            return
          case 'batch':
            chain = chain.then(async () => {
              if (stopped) return
              const { data, offsets, lines, tooLong } = message.batch
              const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
              for (let i = 0; i < lines.length; i++) {
                if (tooLong[i] > 0) sink.tooLong(lines[i], tooLong[i])
                else sink.record(lines[i], bytes.subarray(offsets[i], offsets[i + 1]))
              }
              if (options.afterBatch) await options.afterBatch()
              if (options.stop?.()) {
                stopped = true
                resolve()
                return
              }
              post({ type: 'ack' })
            }).catch(fail)
        }
      })
      post({ type: 'start', byteLength: source.byteLength, columns: options.columns, maxRecordBytes: options.maxRecordBytes, skip: options.skip, take: options.take })
    })
  } finally {
    stopped = true
    await worker.terminate()
  }
  return { rows, fault }
}
