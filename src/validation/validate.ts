import { gunzip, GzipError } from './gzip.js'
import { LineReader } from './lines.js'
import { analyseLine } from './record.js'
import { ReportBuilder } from './report.js'
import { loadTokenizer, rankTable } from './tokenizers.js'
import { createAnalysisPool, type Batch } from './pool.js'
import { PackedReader, type PackedResults } from './packed.js'
import {
  DEFAULT_CONTEXT_LIMIT, DEFAULT_MAX_ISSUES, DEFAULT_MAX_LINE_BYTES,
  type Report, type ValidationOptions
} from './types.js'

const BATCH_BYTES = Number(process.env.VALIDATION_BATCH_KB ?? 256) * 1024
const BATCHES_IN_FLIGHT_PER_THREAD = Number(process.env.VALIDATION_BATCHES_IN_FLIGHT ?? 2)

/** Counts the stored bytes and tells whether they open with gzip's magic bytes. */
async function openInput (source: AsyncIterable<Uint8Array>) {
  let bytes = 0
  const iterator = source[Symbol.asyncIterator]()
  const counted: AsyncIterator<Buffer> = {
    async next () {
      const next = await iterator.next()
      if (next.done) return { done: true, value: undefined }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value)
      bytes += chunk.length
      return { done: false, value: chunk }
    }
  }
  const head: Buffer[] = []
  let headLength = 0
  let ended = false
  while (headLength < 2) {
    const next = await counted.next()
    if (next.done) { ended = true; break }
    head.push(next.value)
    headLength += next.value.length
  }
  const first = Buffer.concat(head)
  const isGzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b
  let replayed = false
  const replay: AsyncIterator<Buffer> = {
    async next () {
      if (!replayed) {
        replayed = true
        if (first.length > 0) return { done: false, value: first }
      }
      return ended ? { done: true, value: undefined } : await counted.next()
    }
  }
  return { isGzip, chunks: replay, storedBytes: () => bytes }
}

async function * iterate (iterator: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  for (;;) {
    const next = await iterator.next()
    if (next.done) return
    yield next.value
  }
}

// A batch's lines in order, as numbers (no object per line): [kind, line, value] triples.
const RECORD = 0
const BLANK = 1 // value: how many consecutive blank lines
const TOO_LONG = 2 // value: the line's length in bytes

/**
 * The validation engine: a byte stream (plain or gzip) in, the contract's report out.
 * Pure: no database, storage or HTTP. Memory stays bounded: lines are handled as they
 * arrive and only hashes and one token count per conversation are kept.
 */
export async function validate (source: AsyncIterable<Uint8Array>, options: ValidationOptions = {}): Promise<Report> {
  const tokenizerName = options.tokenizer ?? 'o200k_base'
  const contextLimit = options.contextLimit ?? DEFAULT_CONTEXT_LIMIT
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  const builder = new ReportBuilder(options.maxIssuesPerSeverity ?? DEFAULT_MAX_ISSUES)
  // With a pool (given, or `threads` > 1 workers made here) the workers do all the analysis and
  // this thread only reads lines and keeps the report: an HTTP server stays responsive, and
  // this thread holds no tokenizer. One thread: everything here.
  const external = options.pool ?? null
  const threads = external ? external.threads : Math.max(1, options.threads ?? 1)
  const pool = external ?? (threads > 1 ? createAnalysisPool(threads) : null)
  // The rank table is read while the pool's threads start (the pool hands it to them).
  if (pool) rankTable(tokenizerName).catch(() => {}) // a failure reaches the first batch
  const context = pool ? null : { tokenizer: await loadTokenizer(tokenizerName), contextLimit }

  // With a pool, lines are batched into one buffer; events keep blank and too-long lines in order.
  let events: number[] = []
  let batch = new Uint8Array(BATCH_BYTES)
  let batchLength = 0
  let offsets: number[] = [0]
  const inFlight: Array<{ events: number[], results: Promise<PackedResults> | null }> = []

  const blank = (line: number, count: number) => builder.addMany(line, count, 'blank_line', '', 'Blank line skipped.')
  const tooLong = (line: number, bytes: number) => {
    builder.nonBlankLine()
    builder.add(line, 'line_too_long', '',
      `The line is ${bytes.toLocaleString('en-US')} bytes long; the limit is ${maxLineBytes.toLocaleString('en-US')} bytes.`)
  }

  const flushBatch = () => {
    if (events.length === 0) return
    const packed: Batch = { data: batch.subarray(0, batchLength), offsets: Uint32Array.from(offsets) }
    let results: Promise<PackedResults> | null = null // null: only blank or too-long lines
    if (offsets.length > 1) {
      results = pool!.analyse(packed, tokenizerName, contextLimit) // transfers the buffer: a new one is made below
      batch = new Uint8Array(Math.max(BATCH_BYTES, batch.length))
    }
    inFlight.push({ events, results })
    events = []
    batchLength = 0
    offsets = [0]
  }

  const settleOldest = async () => {
    const { events: done, results } = inFlight.shift()!
    const packed = results ? new PackedReader(await results) : null
    let next = 0
    for (let e = 0; e < done.length; e += 3) {
      const kind = done[e]
      if (kind === RECORD) builder.addLine(done[e + 1], packed!.read(next++))
      else if (kind === BLANK) blank(done[e + 1], done[e + 2])
      else tooLong(done[e + 1], done[e + 2])
    }
  }

  const bom = () => builder.add(1, 'bom', '', 'The UTF-8 byte-order mark at the start of the file was skipped.')
  const reader = new LineReader(pool
    ? {
        bom,
        blank: (line, count) => { events.push(BLANK, line, count) },
        tooLong: (line, bytes) => { events.push(TOO_LONG, line, bytes) },
        record: (line, bytes) => {
          if (batchLength + bytes.length > batch.length) {
            if (batchLength > 0) flushBatch()
            if (bytes.length > batch.length) batch = new Uint8Array(bytes.length)
          }
          events.push(RECORD, line, 0)
          batch.set(bytes, batchLength)
          batchLength += bytes.length
          offsets.push(batchLength)
          if (batchLength >= BATCH_BYTES) flushBatch()
        }
      }
    : {
        bom,
        blank,
        tooLong,
        record: (line, bytes) => builder.addLine(line, analyseLine(bytes, context!))
      }, maxLineBytes)

  let gzipProblem: string | null = null
  try {
    const input = await openInput(source)
    const chunks = input.isGzip ? gunzip(input.chunks) : iterate(input.chunks)
    try {
      for await (const chunk of chunks) {
        reader.push(chunk)
        if (pool) {
          while (inFlight.length > threads * BATCHES_IN_FLIGHT_PER_THREAD) await settleOldest()
        }
      }
    } catch (error) {
      if (!(error instanceof GzipError)) throw error
      gzipProblem = error.message
    }
    reader.end()
    if (pool) {
      flushBatch()
      while (inFlight.length > 0) await settleOldest()
    }
    if (gzipProblem) {
      const message = gzipProblem.charAt(0).toUpperCase() + gzipProblem.slice(1)
      builder.add(0, 'invalid_gzip', '', `${message}; the lines before the fault were checked.`)
    } else if (!builder.hasRecords) {
      builder.add(0, 'empty_file', '', 'The file holds no records: it is empty or has only blank lines.')
    }
    return builder.finish(input.storedBytes(), reader.lines)
  } finally {
    if (pool && !external) await pool.close()
  }
}
