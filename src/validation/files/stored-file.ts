import type { ByteSource } from './byte-source.js'
import { GzipError } from './gzip.js'
import { openInput, type ForeignText } from './input.js'
import { JsonFileReader } from './json-file.js'
import { LineReader, type LineSink } from './lines.js'
import { ParquetError, openParquet, readParquet, startsWithParquetMagic } from './parquet.js'
import { detectFormat, FORMATS } from '../formats/index.js'

/** What a stored file is read as (dataset-format.md, "File", "JSON-array files", "Parquet files"). */
export type StoredFileKind = 'jsonl' | 'json_array' | 'parquet'

export const FILE_KIND_LABELS: Record<StoredFileKind, string> = {
  jsonl: 'JSON Lines',
  json_array: 'JSON array',
  parquet: 'Parquet'
}

/**
 * A stored dataset file. `stream` gives its bytes from the start (JSON Lines and JSON arrays,
 * gzip or not); `range` reads byte ranges of the same bytes (Parquet: storage ranged GETs in
 * the worker, the disk file in the CLI). Either is opened only when needed.
 */
export interface StoredFile {
  /** The original file name: only a `.json`/`.json.gz` name may hold a JSON array. Absent: JSON Lines rules. */
  name?: string | null
  stream: () => AsyncIterable<Uint8Array> | Promise<AsyncIterable<Uint8Array>>
  /** Needed to read a Parquet file (its magic is also checked through it, without opening the stream). */
  range?: (() => ByteSource | Promise<ByteSource>) | null
}

/**
 * Records in file order: `record(line, bytes)` gets one record's JSON bytes (a JSON Lines line,
 * an array element, a Parquet row as JSON). Blank lines (JSON Lines only), records past the
 * line limit and the BOM are events as for JSON Lines. The bytes may point into the reader's
 * buffers: copy them to keep them past the call.
 */
export type RecordSink = LineSink

export interface ReadFileOptions {
  /** The line limit: a longer record is `tooLong` and never held whole. */
  maxLineBytes: number
  /** Awaited after each chunk of a stream, every few hundred Parquet rows: backpressure for the consumer. */
  afterChunk?: () => Promise<void> | void
  /** Checked after each chunk (every few hundred rows): true stops the read. */
  stop?: () => boolean
  /** Records (JSON array elements, Parquet rows) to skip before the first handed on, or a function of the kind; not for JSON Lines. */
  skipRecords?: number | ((kind: StoredFileKind) => number)
  /** Parquet: read no more rows than this after the skipped ones (a page of the records API). */
  takeRecords?: number
  /** Parquet: read only the columns of the file's format plus the id columns (default), or all of them. */
  parquetColumns?: 'format' | 'all'
  /** Told the file's kind once it is known, before any record is handed on. */
  onKind?: (kind: StoredFileKind) => void
}

/** The fault that stopped a read, after the records before it were handed on. */
export interface FileFault {
  code: 'invalid_gzip' | 'invalid_json' | 'invalid_parquet'
  line: number
  message: string
}

export interface ReadFileResult {
  kind: StoredFileKind
  /** The stored size (compressed, for gzip). */
  storedBytes: number
  /** Physical lines of the file; Parquet: its rows (from the footer). */
  lines: number
  fault: FileFault | null
  foreignText: ForeignText | null
}

/** The columns each format reads (beyond its recognising keys), plus the id columns. */
const FORMAT_COLUMNS: Record<string, string[]> = {
  native: ['conversation_id', 'turns'],
  openai: ['conversation_id', 'id', 'messages', 'tools'],
  sharegpt: ['conversation_id', 'id', 'conversations', 'system', 'tools'],
  prompt_completion: ['conversation_id', 'id', 'prompt', 'completion'],
  alpaca: ['conversation_id', 'id', 'system', 'history', 'instruction', 'input', 'output'],
  text: ['conversation_id', 'id', 'text']
}

/**
 * A Parquet file's columns that its record format reads: every row holds every column, so the
 * file's format is that of a record holding all of them (native when none is recognised).
 */
export function parquetColumnsFor (columns: string[]): string[] {
  const record = Object.fromEntries(columns.map(name => [name, null]))
  const index = detectFormat(record)
  const wanted = new Set(FORMAT_COLUMNS[FORMATS[index === -1 ? 0 : index].name])
  return columns.filter(name => wanted.has(name))
}

/** True when a file of this name may be a JSON array (the contract: `.json`, `.json.gz`). */
export function mayBeJsonArray (name: string | null | undefined): boolean {
  return typeof name === 'string' && /\.json(\.gz)?$/i.test(name)
}

/** The first `n` bytes of a stream (fewer when it is shorter), and the iterator to go on with. */
async function peek (stream: AsyncIterable<Uint8Array>, n: number) {
  const iterator = stream[Symbol.asyncIterator]()
  const parts: Uint8Array[] = []
  let length = 0
  let ended = false
  while (length < n) {
    const next = await iterator.next()
    if (next.done) { ended = true; break }
    parts.push(next.value)
    length += next.value.length
  }
  const head = Buffer.concat(parts)
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => {
      let replayed = false
      return {
        async next () {
          if (!replayed) {
            replayed = true
            if (head.length > 0) return { done: false, value: head }
          }
          if (ended) return { done: true, value: undefined }
          return await iterator.next()
        },
        async return () {
          await iterator.return?.()
          return { done: true, value: undefined }
        }
      }
    }
  }
  return { head, rest, close: async () => { await iterator.return?.() } }
}

function skipFor (options: ReadFileOptions, kind: StoredFileKind): number {
  const skip = options.skipRecords
  return Math.max(0, (typeof skip === 'function' ? skip(kind) : skip) ?? 0)
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/**
 * THE way a stored dataset file is read, by validation, the viewer, the records API and
 * export: recognises its kind (Parquet by its magic `PAR1`, whatever its name; a `.json` or
 * `.json.gz` name whose first byte that is not whitespace, after gzip and a BOM, is `[`: a
 * JSON array; else JSON Lines, gzip by its magic bytes) and hands its records to `sink` in
 * file order with their lines (Parquet: row numbers). Memory stays bounded by the line limit
 * (Parquet: see parquet.ts). A fault (broken gzip, an array that is not well formed, an
 * unreadable Parquet file) stops the read after the records before it and comes back in
 * `fault`, with the message the report shows.
 */
export async function readStoredFile (file: StoredFile, sink: RecordSink, options: ReadFileOptions): Promise<ReadFileResult> {
  let opened: AsyncIterable<Uint8Array> | null = null
  try {
    let range: ByteSource | null = null
    let stream: AsyncIterable<Uint8Array> | null = null
    let parquet: boolean
    if (file.range) {
      range = await file.range()
      parquet = range.byteLength >= 4 && startsWithParquetMagic(new Uint8Array(await range.slice(0, 4)))
    } else {
      opened = await file.stream()
      const peeked = await peek(opened, 4)
      parquet = startsWithParquetMagic(peeked.head)
      if (parquet) throw new Error('This is a Parquet file: it is read by byte ranges, and none were given.')
      stream = peeked.rest
    }
    if (parquet) {
      options.onKind?.('parquet')
      return await readParquetFile(range!, sink, options)
    }
    if (stream === null) stream = opened = await file.stream()
    return await readTextFile(stream, mayBeJsonArray(file.name), sink, options)
  } finally {
    // A stream left before its end (a page of records, a fault) is closed here: gzip's reader does not pass the stop on.
    const destroy = (opened as { destroy?: () => void } | null)?.destroy
    if (typeof destroy === 'function') destroy.call(opened)
  }
}

async function readTextFile (source: AsyncIterable<Uint8Array>, json: boolean, sink: RecordSink, options: ReadFileOptions): Promise<ReadFileResult> {
  let fault: FileFault | null = null
  let skip = 0
  let announced = false
  const announce = () => {
    if (announced) return
    announced = true
    const kind = reader instanceof JsonFileReader && reader.kind === 'array' ? 'json_array' : 'jsonl'
    if (kind === 'json_array') skip = skipFor(options, kind)
    options.onKind?.(kind)
  }
  const counted: RecordSink = {
    bom: () => { announce(); sink.bom() },
    blank: (line, count) => { announce(); sink.blank(line, count) },
    tooLong: (line, bytes) => { announce(); if (skip > 0) skip--; else sink.tooLong(line, bytes) },
    record: (line, bytes) => { announce(); if (skip > 0) skip--; else sink.record(line, bytes) }
  }
  const jsonSink = {
    ...counted,
    fault: (line: number, message: string) => { fault = { code: 'invalid_json', line, message } }
  }
  const reader = json ? new JsonFileReader(jsonSink, options.maxLineBytes) : new LineReader(counted, options.maxLineBytes)
  const input = await openInput(source)
  let stopped = false
  try {
    for await (const chunk of input.chunks) {
      reader.push(chunk)
      if (options.afterChunk) await options.afterChunk()
      if (options.stop?.()) {
        stopped = true
        break
      }
    }
  } catch (error) {
    if (!(error instanceof GzipError)) throw error
    fault ??= { code: 'invalid_gzip', line: 0, message: `${capitalise(error.message)}; the lines before the fault were checked.` }
  }
  if (!stopped) reader.end()
  announce()
  const kind: StoredFileKind = reader instanceof JsonFileReader && reader.kind === 'array' ? 'json_array' : 'jsonl'
  return { kind, storedBytes: input.storedBytes(), lines: reader.lines, fault, foreignText: input.foreignText() }
}

async function readParquetFile (source: ByteSource, sink: RecordSink, options: ReadFileOptions): Promise<ReadFileResult> {
  const result: ReadFileResult = { kind: 'parquet', storedBytes: source.byteLength, lines: 0, fault: null, foreignText: null }
  let file
  try {
    file = await openParquet(source)
  } catch (error) {
    if (!(error instanceof ParquetError)) throw error
    result.fault = { code: 'invalid_parquet', line: 0, message: error.message }
    return result
  }
  result.lines = file.rows
  const start = Math.min(file.rows, skipFor(options, 'parquet'))
  let stopped = false
  const StopRead = class extends Error {}
  try {
    await readParquet(file, {
      record: sink.record,
      tooLong: sink.tooLong,
      fault: message => { result.fault = { code: 'invalid_parquet', line: 0, message } },
      drain: async () => {
        if (options.afterChunk) await options.afterChunk()
        if (options.stop?.()) {
          stopped = true
          throw new StopRead()
        }
      }
    }, {
      columns: options.parquetColumns === 'all' ? null : parquetColumnsFor(file.columns),
      maxRecordBytes: options.maxLineBytes,
      rows: { start, end: Math.min(file.rows, start + (options.takeRecords ?? Infinity)) }
    })
  } catch (error) {
    if (!(stopped && error instanceof StopRead)) throw error
  }
  return result
}
