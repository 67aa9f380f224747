import type { ColumnChunk, ColumnMetaData, Compressors, FileMetaData, PageHeader, SchemaTree } from 'hyparquet'
import type { ByteSource } from './byte-source.js'

// hyparquet's page-level functions. They are exported as `hyparquet/src/*.js`, which tap's
// TypeScript loader cannot resolve: they are imported by their file, next to the package's entry.
type ColumnModule = typeof import('hyparquet/src/column.js')
type DatapageModule = typeof import('hyparquet/src/datapage.js')
type EncodingModule = typeof import('hyparquet/src/encoding.js')
type SchemaModule = typeof import('hyparquet/src/schema.js')
const entry = import.meta.resolve('hyparquet')
const load = async <T>(file: string) => await import(new URL(file, entry).href) as T
const { parquetHeader } = await load<ColumnModule>('./column.js')
const { decompressPage } = await load<DatapageModule>('./datapage.js')
const { readRleBitPackedHybrid } = await load<EncodingModule>('./encoding.js')
const { getMaxRepetitionLevel, getTreePath } = await load<SchemaModule>('./schema.js')

/** One data page of a column chunk: where it is and the row it starts (an offset index entry). */
export interface PageLocation {
  offset: number
  compressedPageSize: number
  firstRowIndex: number
}

const HEADER_TRIES = [64 * 1024, 1024 * 1024]

/** Bytes of one column chunk, fetched a window at a time in file order. */
class ChunkWindow {
  private start = 0
  private bytes = new Uint8Array(0)

  constructor (private readonly source: ByteSource, private readonly end: number, private readonly windowBytes: number) {}

  /** Bytes `from` to `to` (clipped to the chunk). */
  async get (from: number, to: number): Promise<Uint8Array> {
    to = Math.min(to, this.end)
    if (from < this.start || to > this.start + this.bytes.length) {
      const until = Math.min(this.end, Math.max(to, from + this.windowBytes))
      this.bytes = new Uint8Array(await this.source.slice(from, until))
      this.start = from
    }
    return this.bytes.subarray(from - this.start, to - this.start)
  }
}

function countRows (levels: number[]): { rows: number, startsRow: boolean } {
  let rows = 0
  for (let i = 0; i < levels.length; i++) if (levels[i] === 0) rows++
  return { rows, startsRow: levels.length === 0 || levels[0] === 0 }
}

function bitWidth (value: number): number {
  return 32 - Math.clz32(value)
}

/**
 * The data pages of a column chunk that has no offset index, found by reading their headers
 * (and, for a nested column's version-1 pages, which do not say how many rows they hold, by
 * decoding their repetition levels: the values are not decoded). Memory: one window of the
 * chunk and one decompressed page. Null when no index can be made: a page starts inside a row,
 * a page is larger than `maxPageBytes`, or the pages do not add up to the group's rows (the
 * group is then read whole, within its own limit, and hyparquet reports what is wrong with it).
 */
export async function scanPages (source: ByteSource, meta: ColumnMetaData, schema: SchemaTree, rows: number, compressors: Compressors, windowBytes: number, maxPageBytes: number): Promise<PageLocation[] | null> {
  const schemaPath = getTreePath(schema, meta.path_in_schema)
  const maxRepetition = getMaxRepetitionLevel(schemaPath)
  const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset)
  const end = start + Number(meta.total_compressed_size)
  const window = new ChunkWindow(source, end, windowBytes)
  const pages: PageLocation[] = []
  let row = 0
  let at = start
  while (at < end && row < rows) {
    let header: PageHeader | null = null
    let headerLength = 0
    for (const tryBytes of HEADER_TRIES) {
      const bytes = await window.get(at, at + tryBytes)
      const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }
      try {
        header = parquetHeader(reader)
        headerLength = reader.offset
        break
      } catch {
        if (at + tryBytes >= end) return null
      }
    }
    if (header === null || header.uncompressed_page_size > maxPageBytes) return null
    const pageStart = at
    at += headerLength + header.compressed_page_size
    if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2) {
      pages.push({ offset: pageStart, compressedPageSize: at - pageStart, firstRowIndex: row })
      row += header.data_page_header_v2.num_rows
    } else if (header.type === 'DATA_PAGE' && header.data_page_header) {
      const values = header.data_page_header.num_values
      let pageRows = values
      if (maxRepetition > 0) {
        const compressed = await window.get(pageStart + headerLength, at)
        if (compressed.length !== header.compressed_page_size) return null
        const page = decompressPage(compressed, header.uncompressed_page_size, meta.codec, compressors)
        const levels = new Array<number>(values)
        readRleBitPackedHybrid({ view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 }, bitWidth(maxRepetition), levels)
        const counted = countRows(levels)
        if (!counted.startsRow) return null
        pageRows = counted.rows
      }
      pages.push({ offset: pageStart, compressedPageSize: at - pageStart, firstRowIndex: row })
      row += pageRows
    }
  }
  return row === rows && pages.length > 0 ? pages : null
}

/** Thrift compact protocol: an unsigned varint. */
function varint (out: number[], value: number): void {
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80)
    value = Math.floor(value / 0x80)
  }
  out.push(value)
}

/** A non-negative i32/i64 field value, zigzag-encoded. */
const zigzag = (out: number[], value: number) => varint(out, value * 2)

/** An OffsetIndex struct (parquet.thrift) in the compact protocol, as a footer would hold it. */
export function encodeOffsetIndex (pages: PageLocation[]): Uint8Array {
  const out: number[] = []
  out.push((1 << 4) | 9) // field 1: list
  if (pages.length < 15) out.push((pages.length << 4) | 12)
  else { out.push(0xf0 | 12); varint(out, pages.length) }
  for (const page of pages) {
    out.push((1 << 4) | 6); zigzag(out, page.offset) // i64 offset
    out.push((1 << 4) | 5); zigzag(out, page.compressedPageSize) // i32 compressed_page_size
    out.push((1 << 4) | 6); zigzag(out, page.firstRowIndex) // i64 first_row_index
    out.push(0)
  }
  out.push(0)
  return Uint8Array.from(out)
}

/**
 * A file with offset indexes made by scanPages: the metadata's chunks point at them past the
 * end of the file, where this source answers them; everything else is the file itself.
 */
export class IndexedSource implements ByteSource {
  private extra: Uint8Array[] = []
  private extraLength = 0
  readonly byteLength: number

  constructor (private readonly source: ByteSource) {
    this.byteLength = source.byteLength
  }

  /** Adds an index for `chunk` (a copy of it is returned, pointing at the index). */
  add (chunk: ColumnChunk, pages: PageLocation[]): ColumnChunk {
    const bytes = encodeOffsetIndex(pages)
    const at = this.source.byteLength + this.extraLength
    this.extra.push(bytes)
    this.extraLength += bytes.length
    return { ...chunk, offset_index_offset: BigInt(at), offset_index_length: bytes.length }
  }

  async slice (start: number, end = this.source.byteLength): Promise<ArrayBuffer> {
    if (start < this.source.byteLength) return await this.source.slice(start, end)
    const all = Buffer.concat(this.extra)
    return new Uint8Array(all.subarray(start - this.source.byteLength, end - this.source.byteLength)).buffer
  }
}

/** `metadata` with row group `g`'s chunks replaced. */
export function withGroupChunks (metadata: FileMetaData, g: number, columns: ColumnChunk[]): FileMetaData {
  const groups = metadata.row_groups.slice()
  groups[g] = { ...groups[g], columns }
  return { ...metadata, row_groups: groups }
}
