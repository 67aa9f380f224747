import { brotliDecompressSync, unzipSync } from 'node:zlib'
import { parquetMetadataAsync, parquetRead, parquetSchema, type ColumnChunk, type Compressors, type FileMetaData, type ParquetParsers } from 'hyparquet'
import { compressors as pureCompressors } from 'hyparquet-compressors'
import type { ByteSource } from './byte-source.js'
import { IndexedSource, scanPages, withGroupChunks } from './parquet-pages.js'
import { RowWriter, dateFromDays, textFromBytes } from './parquet-json.js'

/** The file cannot be read as Parquet; the message says what went wrong, for `invalid_parquet`. */
export class ParquetError extends Error {}

const MAGIC = 0x31524150 // "PAR1", little-endian

/** True when the bytes start with Parquet's magic `PAR1`: the file is read as Parquet, whatever its name. */
export function startsWithParquetMagic (head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31
}

/** hyparquet-compressors' LZ4 reads an empty page (one 0x00 token, as pyarrow writes it) as a bad match offset. */
function emptyPageAware (decompress: (input: Uint8Array, length: number) => Uint8Array) {
  return (input: Uint8Array, length: number) => length === 0 ? new Uint8Array(0) : decompress(input, length)
}

// zlib's gzip and brotli are native; zstd and lz4 (which Node 20 lacks) and snappy (WebAssembly) come from hyparquet-compressors.
const COMPRESSORS: Compressors = {
  ...pureCompressors,
  GZIP: (input, length) => unzipSync(input, { maxOutputLength: Math.max(1, length) }),
  BROTLI: (input, length) => brotliDecompressSync(input, { maxOutputLength: Math.max(1, length) }),
  LZ4: emptyPageAware(pureCompressors.LZ4!),
  LZ4_RAW: emptyPageAware(pureCompressors.LZ4_RAW!)
}

const PARSERS: Partial<ParquetParsers> = { stringFromBytes: textFromBytes, dateFromDays }

export interface ParquetFile {
  source: ByteSource
  metadata: FileMetaData
  /** The top-level columns, in the file's order: a record's keys. */
  columns: string[]
  rows: number
}

function reason (error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/^parquet /, '')
}

const count = (n: number) => n.toLocaleString('en-US')

/** Reads the footer: the columns (to choose the record format) and the row groups. Throws ParquetError. */
export async function openParquet (source: ByteSource): Promise<ParquetFile> {
  const fail = (what: string) => new ParquetError(`The Parquet file cannot be read: ${what}.`)
  if (source.byteLength < 12) throw fail(`it is ${count(source.byteLength)} bytes long, too short for Parquet`)
  const head = new Uint8Array(await source.slice(0, 4))
  if (!startsWithParquetMagic(head)) throw fail('it does not start with the magic bytes PAR1')
  const tail = new DataView(await source.slice(source.byteLength - 4, source.byteLength))
  if (tail.getUint32(0, true) !== MAGIC) throw fail('it does not end with the magic bytes PAR1, so it is truncated or damaged')
  let metadata: FileMetaData
  try {
    metadata = await parquetMetadataAsync(source, { geoparquet: false })
  } catch (error) {
    throw fail(`its footer (the file's metadata) is damaged: ${reason(error)}`)
  }
  let columns: string[]
  try {
    columns = parquetSchema(metadata).children.map(child => child.element.name)
  } catch (error) {
    throw fail(`its schema is damaged: ${reason(error)}`)
  }
  const rows = metadata.row_groups.reduce((sum, group) => sum + Number(group.num_rows), 0)
  return { source, metadata, columns, rows }
}

export interface ParquetSink {
  /** One row as its JSON object's UTF-8 text; `line` is the 1-based row number. The bytes are reused: copy them to keep them. */
  record: (line: number, bytes: Buffer) => void
  /** A row whose JSON text is longer than the record limit (as a JSON Lines line past the line limit). */
  tooLong: (line: number, bytes: number) => void
  /** The file could not be read past this point (called once, after the rows before it). */
  fault: (message: string) => void
  /** Awaited every few hundred rows and after each row group: backpressure for the analysis. */
  drain?: () => Promise<void>
}

export interface ParquetReadOptions {
  /** The columns the record format reads (plus the id columns); null: all of them. Absent ones are skipped. */
  columns: string[] | null
  /** A row group whose columns in use hold more uncompressed bytes than this is refused (default 1 GiB). */
  maxRowGroupBytes?: number
  /** The line limit: a row whose JSON text is longer goes to tooLong (default 8 MiB). */
  maxRecordBytes?: number
  /** Uncompressed bytes of the columns in use read at once where pages can be found by row (default 8 MiB). */
  sliceBytes?: number
  /** Only these rows, 0-based, end excluded (the records API's pages); default: all. */
  rows?: { start: number, end: number }
}

const DRAIN_EVERY = 512

/**
 * Offset indexes for row group `g`'s chunks in use that lack one (parquet-pages.ts), or null
 * when a chunk's pages cannot be indexed (or cannot be read: the group's read says why).
 */
async function indexGroup (file: ParquetFile, g: number, inUse: ColumnChunk[], windowBytes: number, maxPageBytes: number) {
  const group = file.metadata.row_groups[g]
  const schema = parquetSchema(file.metadata)
  const source = new IndexedSource(file.source)
  const columns: ColumnChunk[] = []
  for (const chunk of group.columns) {
    if (!inUse.includes(chunk) || (chunk.offset_index_offset !== undefined && chunk.offset_index_length)) {
      columns.push(chunk)
      continue
    }
    let pages
    try {
      pages = await scanPages(file.source, chunk.meta_data!, schema, Number(group.num_rows), COMPRESSORS, windowBytes, maxPageBytes)
    } catch {
      return null
    }
    if (pages === null) return null
    columns.push(source.add(chunk, pages))
  }
  return { source, metadata: withGroupChunks(file.metadata, g, columns) }
}

/**
 * Rows → records, one row group at a time (or a slice of one, see above), reading only the
 * columns asked for. Memory holds one row group's cells of those columns, never the whole
 * file: its compressed bytes as fetched, its decompressed pages (text cells point into them),
 * and the decoded rows; about 1.4 times the group's text once decoded, plus the garbage the
 * decoding leaves for the collector. Returns the rows handed on.
 */
export async function readParquet (file: ParquetFile, sink: ParquetSink, options: ParquetReadOptions): Promise<number> {
  const wanted = options.columns === null ? null : new Set(options.columns)
  const columns = file.columns.filter(name => wanted === null || wanted.has(name))
  const maxGroupBytes = options.maxRowGroupBytes ?? 1024 ** 3
  const maxRecordBytes = options.maxRecordBytes ?? 8 * 1024 * 1024
  const sliceBytes = options.sliceBytes ?? 8 * 1024 * 1024
  const writer = new RowWriter(columns)
  const groups = file.metadata.row_groups
  const dataEnd = file.source.byteLength - 8 - file.metadata.metadata_length
  const { start = 0, end = file.rows } = options.rows ?? {}
  let handed = 0
  let groupStart = 0
  for (let g = 0; g < groups.length; groupStart += Number(groups[g].num_rows), g++) {
    const group = groups[g]
    const groupRows = Number(group.num_rows)
    const first = Math.max(0, start - groupStart)
    const last = Math.min(groupRows, end - groupStart)
    if (first >= last) continue
    const where = `row group ${count(g + 1)} of ${count(groups.length)} (rows ${count(groupStart + 1)}–${count(groupStart + groupRows)})`
    const fault = (what: string, read: number) =>
      sink.fault(`The Parquet file cannot be read: ${where} ${what}; the ${count(read)} rows before it were checked.`)
    const inUse = group.columns.filter(chunk => chunk.meta_data !== undefined && columns.includes(chunk.meta_data.path_in_schema[0]))
    const outside = inUse.find(chunk => {
      const meta = chunk.meta_data!
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset)
      return start < 4 || start + Number(meta.total_compressed_size) > dataEnd
    })
    if (outside) {
      fault(`cannot be read: the footer places its column ${outside.meta_data!.path_in_schema.join('.')} outside the data (the file is truncated or damaged)`, handed)
      return handed
    }
    // When every column chunk in use has an offset index (its pages' first rows), a group
    // larger than a slice is read a slice of rows at a time, only the pages of that slice:
    // memory then follows the slice, not the group. (A chunk without one would be decoded
    // whole for every slice.)
    const bytes = inUse.reduce((sum, chunk) => sum + Number(chunk.meta_data!.total_uncompressed_size), 0)
    let indexed = bytes > sliceBytes && inUse.every(chunk => chunk.offset_index_offset !== undefined && !!chunk.offset_index_length)
    let source = file.source
    let metadata = file.metadata
    if (bytes > sliceBytes && !indexed) {
      // No offset index: the pages are found by their headers, and the group is then read a
      // slice at a time as if the file had one.
      const scanned = await indexGroup(file, g, inUse, sliceBytes, maxGroupBytes)
      if (scanned !== null) {
        indexed = true
        source = scanned.source
        metadata = scanned.metadata
      }
    }
    if (!indexed && bytes > maxGroupBytes) {
      fault(`holds ${count(bytes)} bytes in the columns read, more than the limit of ${count(maxGroupBytes)}`, handed)
      return handed
    }
    const sliceRows = indexed ? Math.max(1, Math.floor(sliceBytes * groupRows / Math.max(1, bytes))) : groupRows
    for (let sliceStart = first; sliceStart < last; sliceStart += sliceRows) {
      const sliceEnd = Math.min(last, sliceStart + sliceRows)
      let rows: unknown[][] = []
      if (inUse.length === 0) {
        rows = Array.from({ length: sliceEnd - sliceStart }, () => [])
      } else {
        try {
          await parquetRead({
            file: source,
            metadata,
            columns,
            rowStart: groupStart + sliceStart,
            rowEnd: groupStart + sliceEnd,
            useOffsetIndex: indexed,
            rowFormat: 'array',
            utf8: false, // binary cells stay bytes; PARSERS marks text cells (kept as bytes too)
            parsers: PARSERS,
            geoparquet: false,
            compressors: COMPRESSORS,
            onComplete: result => { rows = result }
          })
        } catch (error) {
          fault(`cannot be read: ${reason(error)}`, handed)
          return handed
        }
        if (rows.length !== sliceEnd - sliceStart) {
          fault(`holds ${count(rows.length)} rows where the footer says ${count(sliceEnd - sliceStart)}`, handed)
          return handed
        }
      }
      for (let i = 0; i < rows.length; i++) {
        const json = writer.row(rows[i])
        if (json.length > maxRecordBytes) sink.tooLong(groupStart + sliceStart + i + 1, json.length)
        else sink.record(groupStart + sliceStart + i + 1, json)
        rows[i] = [] // the row's values can go before the slice ends
        handed++
        if (sink.drain && handed % DRAIN_EVERY === 0) await sink.drain()
      }
      if (sink.drain) await sink.drain()
    }
  }
  return handed
}
