import type { ForeignText } from './files/input.js'
import type { LineSink } from './files/lines.js'
import { readStoredFile, type StoredFile } from './files/stored-file.js'
import { analyseLine } from './rules/record.js'
import { FileReport } from './rules/file-report.js'
import { isModelId, loadTokenizer, modelShare, rankTable, type TokenizerName } from './tokenizers/index.js'
import { createAnalysisPool, type Batch } from './threads/pool.js'
import { PackedReader, type PackedResults } from './threads/packed.js'
import {
  DEFAULT_CONTEXT_LIMIT, DEFAULT_ENGINE_SETTINGS, DEFAULT_MAX_ISSUES, DEFAULT_MAX_LINE_BYTES,
  type EngineSettings, type Report, type ReportNote, type ValidationOptions
} from './types.js'

// A batch's lines in order, as numbers (no object per line): [kind, line, value] triples.
const RECORD = 0
const BLANK = 1 // value: how many consecutive blank lines
const TOO_LONG = 2 // value: the line's length in bytes

function foreignTextNote (encoding: ForeignText): ReportNote {
  const order = encoding === 'utf-16le' ? 'little-endian' : 'big-endian'
  return {
    code: 'utf16',
    message: `The file is UTF-16 text (${order}), not UTF-8, so its lines cannot be read: save it as UTF-8 (in most editors: Save as, encoding UTF-8) and try again.`
  }
}

function isStoredFile (source: AsyncIterable<Uint8Array> | StoredFile): source is StoredFile {
  return typeof (source as StoredFile).stream === 'function'
}

/**
 * The validation engine: a stored file (JSON Lines, a JSON array, Parquet; see
 * files/stored-file.ts), or a bare byte stream read as JSON Lines (plain or gzip), in; the
 * contract's report out.
 * Pure: no database, storage or HTTP. Memory stays bounded: lines are handled as they
 * arrive and only hashes and one token count per conversation are kept.
 */
export async function validate (source: AsyncIterable<Uint8Array> | StoredFile, options: ValidationOptions = {}): Promise<Report> {
  const tokenizerName = options.tokenizer ?? 'o200k_base'
  const contextLimit = options.contextLimit ?? DEFAULT_CONTEXT_LIMIT
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  const settings: EngineSettings = { ...DEFAULT_ENGINE_SETTINGS, ...options.pool?.settings, ...options.settings }
  const builder = new FileReport(options.maxIssuesPerSeverity ?? DEFAULT_MAX_ISSUES, contextLimit, options.onRecord ?? null)
  // With a pool (given, or `threads` > 1 workers made here) the workers do all the analysis and
  // this thread only reads lines and keeps the report: an HTTP server stays responsive, and
  // this thread holds no tokenizer. One thread: everything here.
  const external = options.pool ?? null
  const threads = external ? external.threads : Math.max(1, options.threads ?? 1)
  const pool = external ?? (threads > 1 ? createAnalysisPool(threads, settings) : null)
  // The rank table (or the model's tables) is read while the pool's threads start (the pool hands it to them).
  if (pool) (isModelId(tokenizerName) ? modelShare(tokenizerName) : rankTable(tokenizerName as TokenizerName, settings.ranksDir)).catch(() => {}) // a failure reaches the first batch
  const context = pool
    ? null
    : { tokenizer: await loadTokenizer(tokenizerName, { ranksDir: settings.ranksDir, cacheSize: settings.tokenizerCacheSize }), contextLimit }

  // With a pool, lines are batched into one buffer; events keep blank and too-long lines in order.
  let events: number[] = []
  let batch = pool ? pool.batchBuffer() : new Uint8Array(0)
  let batchLength = 0
  let offsets: number[] = [0]
  const inFlight: Array<{ events: number[], results: Promise<PackedResults> | null }> = []

  const blank = (line: number, count: number) => builder.addMany(line, count, 'blank_line', '', 'Blank line skipped.')
  const tooLong = (line: number, bytes: number) => {
    builder.nonBlankLine()
    builder.errorLine(line)
    builder.add(line, 'line_too_long', '',
      `The line is ${bytes.toLocaleString('en-US')} bytes long; the limit is ${maxLineBytes.toLocaleString('en-US')} bytes.`)
  }

  const flushBatch = () => {
    if (events.length === 0) return
    const packed: Batch = { data: batch.subarray(0, batchLength), offsets: Uint32Array.from(offsets) }
    let results: Promise<PackedResults> | null = null // null: only blank or too-long lines
    if (offsets.length > 1) {
      // The file's format so far: a worker then reads records with no recognising key by it alone.
      results = pool!.analyse(packed, tokenizerName, contextLimit, builder.knownFormat) // transfers the buffer: the worker gives it back
      batch = pool!.batchBuffer()
    }
    inFlight.push({ events, results })
    events = []
    batchLength = 0
    offsets = [0]
  }

  const settleOldest = async () => {
    const { events: done, results } = inFlight.shift()!
    const packed = results ? new PackedReader(await results) : null
    for (let e = 0; e < done.length; e += 3) {
      const kind = done[e]
      if (kind === RECORD) builder.addLine(done[e + 1], packed!.next())
      else if (kind === BLANK) blank(done[e + 1], done[e + 2])
      else tooLong(done[e + 1], done[e + 2])
    }
  }

  const tap = options.onRecordBytes
  const bom = () => builder.add(1, 'bom', '', 'The UTF-8 byte-order mark at the start of the file was skipped.')
  const sink: LineSink = pool
    ? {
        bom,
        blank: (line, count) => { events.push(BLANK, line, count) },
        tooLong: (line, bytes) => { events.push(TOO_LONG, line, bytes) },
        record: (line, bytes) => {
          tap?.(line, bytes)
          if (batchLength + bytes.length > batch.length) {
            if (batchLength > 0) flushBatch()
            if (bytes.length > batch.length) batch = new Uint8Array(bytes.length)
          }
          events.push(RECORD, line, 0)
          batch.set(bytes, batchLength)
          batchLength += bytes.length
          offsets.push(batchLength)
          if (batchLength >= settings.batchBytes) flushBatch()
        }
      }
    : {
        bom,
        blank,
        tooLong,
        record: (line, bytes) => {
          tap?.(line, bytes)
          builder.addLine(line, analyseLine(bytes, context!, builder.knownFormat))
        }
      }

  try {
    const file: StoredFile = isStoredFile(source) ? source : { stream: () => source }
    const read = await readStoredFile(file, sink, {
      maxLineBytes,
      afterChunk: pool
        ? async () => { while (inFlight.length > threads * settings.batchesInFlight) await settleOldest() }
        : undefined
    })
    if (pool) {
      flushBatch()
      while (inFlight.length > 0) await settleOldest()
    }
    if (read.fault) {
      builder.add(read.fault.line, read.fault.code, '', read.fault.message)
    } else if (!builder.hasRecords) {
      builder.add(0, 'empty_file', '', 'The file holds no records: it is empty or has only blank lines.')
    }
    const report = builder.finish(read.storedBytes, read.lines)
    if (read.foreignText) report.notes = [foreignTextNote(read.foreignText)]
    options.onFileKind?.(read.kind)
    return report
  } finally {
    if (pool && !external) await pool.close()
  }
}
