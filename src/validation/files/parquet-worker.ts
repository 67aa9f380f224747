// The Parquet reader's thread (parquet-thread.ts starts it): opens the file, reads its rows and
// posts them back in batches of JSON bytes. Byte ranges are asked of the starting thread, which
// holds the real source (a disk file, or storage's ranged GETs).
import { parentPort } from 'node:worker_threads'
import { ShortReadError, type ByteSource } from './byte-source.js'
import { ParquetError, openParquet, readParquet } from './parquet.js'
import { parquetColumnsFor } from './parquet-columns.js'
import type { ParquetThreadRequest, ParquetThreadMessage, ParquetBatch } from './parquet-thread.js'

const port = parentPort!
const post = (message: ParquetThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer)

let nextRange = 0
const ranges = new Map<number, { resolve: (bytes: ArrayBuffer) => void, reject: (error: Error) => void }>()
let acknowledged: (() => void) | null = null

port.on('message', (message: ParquetThreadRequest) => {
  if (message.type === 'bytes') {
    const waiting = ranges.get(message.id)!
    ranges.delete(message.id)
    if (message.buffer) waiting.resolve(message.buffer)
    else waiting.reject(message.short ? new ShortReadError(message.error!) : new Error(message.error!))
  } else if (message.type === 'ack') {
    const resume = acknowledged
    acknowledged = null
    resume?.()
  } else if (message.type === 'start') {
    run(message).catch(error => post({ type: 'error', message: (error as Error).message }))
  }
})

const BATCH_BYTES = 1024 * 1024

async function run (start: Extract<ParquetThreadRequest, { type: 'start' }>) {
  const source: ByteSource = {
    byteLength: start.byteLength,
    slice: async (from, to = start.byteLength) => await new Promise<ArrayBuffer>((resolve, reject) => {
      const id = nextRange++
      ranges.set(id, { resolve, reject })
      post({ type: 'range', id, start: from, end: to })
    })
  }
  let file
  try {
    file = await openParquet(source)
  } catch (error) {
    if (!(error instanceof ParquetError)) throw error
    post({ type: 'fault', message: error.message })
    post({ type: 'done' })
    return
  }
  post({ type: 'opened', rows: file.rows })

  let data = new Uint8Array(BATCH_BYTES + 64 * 1024)
  let length = 0
  let offsets: number[] = [0]
  let lines: number[] = []
  let tooLong: number[] = []
  const flush = async () => {
    if (lines.length === 0) return
    const batch: ParquetBatch = {
      data: data.slice(0, length),
      offsets: Uint32Array.from(offsets),
      lines: Float64Array.from(lines),
      tooLong: Float64Array.from(tooLong)
    }
    length = 0
    offsets = [0]
    lines = []
    tooLong = []
    const resumed = new Promise<void>(resolve => { acknowledged = resolve })
    post({ type: 'batch', batch }, [batch.data.buffer as ArrayBuffer, batch.offsets.buffer as ArrayBuffer, batch.lines.buffer as ArrayBuffer, batch.tooLong.buffer as ArrayBuffer])
    await resumed // the starting thread has handed the records on (backpressure)
  }
  const end = Math.min(file.rows, start.skip + start.take)
  await readParquet(file, {
    record: (line, bytes) => {
      if (length + bytes.length > data.length) {
        const grown = new Uint8Array(Math.max(data.length * 2, length + bytes.length))
        grown.set(data.subarray(0, length))
        data = grown
      }
      data.set(bytes, length)
      length += bytes.length
      offsets.push(length)
      lines.push(line)
      tooLong.push(0)
    },
    tooLong: (line, bytes) => {
      offsets.push(length)
      lines.push(line)
      tooLong.push(bytes)
    },
    fault: message => post({ type: 'fault', message }),
    drain: async () => {
      if (length >= BATCH_BYTES || lines.length >= 20_000) await flush()
      if (data.length > 4 * BATCH_BYTES) data = new Uint8Array(BATCH_BYTES + 64 * 1024) // after a huge row
    }
  }, {
    columns: start.columns === 'all' ? null : parquetColumnsFor(file.columns),
    maxRecordBytes: start.maxRecordBytes,
    rows: { start: Math.min(file.rows, start.skip), end }
  })
  await flush()
  post({ type: 'done' })
}
