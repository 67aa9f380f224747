import t from 'tap'
import { isUtf8 } from 'node:buffer'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parquetMetadata } from 'hyparquet'
import { fileByteSource, rangeByteSource, type ByteSource } from '../../../src/validation/files/byte-source.js'
import { ParquetError, openParquet, readParquet, startsWithParquetMagic, type ParquetReadOptions } from '../../../src/validation/files/parquet.js'
import { CODECS, INVALID_UTF8, expected, makeFiles } from '../../fixtures/parquet/data.js'

const FIXTURES = join(import.meta.dirname, '../../fixtures/parquet')
const dir = mkdtempSync(join(tmpdir(), 'parquet-test-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
makeFiles(dir)
const written = (name: string) => readFileSync(join(dir, `${name}.parquet`))

/** A source over bytes in memory that counts the bytes fetched. */
function memorySource (bytes: Buffer) {
  const source = rangeByteSource(bytes.length, async (start, end) => {
    source.fetched += end - start
    return bytes.subarray(start, end)
  }) as ByteSource & { fetched: number }
  source.fetched = 0
  return source
}

/** Every record as [line, parsed], and the fault, of reading `bytes` (options: columns null). */
async function read (bytes: Buffer | ByteSource, options: ParquetReadOptions = { columns: null }) {
  const source = Buffer.isBuffer(bytes) ? memorySource(bytes) : bytes
  const file = await openParquet(source)
  if ('fetched' in source) source.fetched = 0 // count what the rows need, not the footer
  const records: Array<[number, unknown]> = []
  const raw: Buffer[] = []
  const faults: string[] = []
  let drains = 0
  const rows = await readParquet(file, {
    record: (line, json) => { records.push([line, JSON.parse(json.toString())]); raw.push(Buffer.from(json)) },
    tooLong: (line, bytes) => records.push([line, { tooLong: bytes }]),
    fault: message => faults.push(message),
    drain: async () => { drains++ }
  }, options)
  return { file, records, raw, faults, rows, drains }
}

t.test('every codec, several row groups: rows become records in order, line = row number', async t => {
  for (const codec of CODECS) {
    const bytes = written(`codec-${codec}`)
    const { file, records, faults, rows } = await read(bytes)
    t.equal(file.metadata.row_groups.length, 3, `${codec}: three row groups`)
    t.ok(file.metadata.row_groups[0].columns.every(c => c.meta_data?.codec === codec), `${codec}: pages written with it`)
    t.same(faults, [], codec)
    t.equal(rows, 25)
    t.equal(file.rows, 25)
    t.same(records, Array.from({ length: 25 }, (_, i) => [i + 1, expected(i)]), `${codec}: every row exact`)
  }
})

t.test('files pyarrow wrote (every codec, data pages v2, dictionaries, page index) give the records expected', async t => {
  const wanted = readFileSync(join(FIXTURES, 'expected.jsonl'), 'utf8').trim().split('\n').map(line => JSON.parse(line))
  for (const name of ['none', 'snappy', 'gzip', 'brotli', 'zstd', 'lz4', 'v2-dictionary-page-index']) {
    const source = await fileByteSource(join(FIXTURES, `${name}.parquet`))
    try {
      const { records, faults, file } = await read(source)
      t.same(faults, [], name)
      t.same(file.columns, ['conversation_id', 'messages', 'image', 'created', 'at', 'score', 'flag', 'tags', 'meta'])
      t.same(records, wanted.map((record, i) => [i + 1, record]), `${name}: as pyarrow reads it`)
    } finally {
      await source.close()
    }
  }
})

t.test('int64: a number when safe, its exact decimal text otherwise', async t => {
  const { records, raw } = await read(written('int64'))
  t.same(records.map(r => r[1]), [{ id: 0 }, { id: 9007199254740991 }, { id: '9007199254740992' }, { id: '-9007199254740992' }, { id: '-9223372036854775808' }, { id: null }])
  t.equal(raw[1].toString(), '{"id":9007199254740991}')
})

t.test('other types keep their natural JSON value', async t => {
  const { records } = await read(written('types'))
  t.same(records.map(r => r[1]), [
    { day: '1970-01-01', at: '1970-01-01T00:00:00.000Z', score: 1.5, flag: true },
    { day: '2024-05-31', at: '2024-05-31T12:30:01.250Z', score: null, flag: false },
    { day: null, at: null, score: null, flag: null }
  ], 'dates as ISO text; NaN, which JSON lacks, as null')
})

t.test('only the columns asked for are read, in the file order; absent ones are skipped', async t => {
  const rows = 200
  const bytes = written('wide') // 5,000 bytes of image per row
  const all = memorySource(bytes)
  const whole = await read(all)
  t.same(Object.keys(whole.records[0][1] as object), ['id', 'messages', 'image', 'source'])
  const some = memorySource(bytes)
  const { records, rows: count } = await read(some, { columns: ['messages', 'conversation_id', 'id'] })
  t.equal(count, rows)
  t.same(records.slice(0, 3), [0, 1, 2].map(i => [i + 1, { id: expected(i).id, messages: expected(i).messages }]), 'id and messages only')
  t.ok(some.fetched < rows * 5000 / 2, `the image column was not fetched (${some.fetched} of ${bytes.length} bytes)`)
  t.ok(all.fetched > rows * 5000, 'all columns: it was')
  const none = await read(bytes, { columns: ['text'] })
  t.same(none.records.slice(0, 2), [[1, {}], [2, {}]], 'no column of the format: empty records, one per row')
  t.equal(none.rows, rows)
})

t.test('binary where text is expected is a value of the wrong type; invalid UTF-8 text stays invalid', async t => {
  const { raw } = await read(written('binary'))
  t.same(INVALID_UTF8, [0x61, 0xff, 0x22, 0x5c, 0x0a, 0xc3])
  t.notOk(isUtf8(raw[0]), 'the record holds the invalid bytes: the analysis reports invalid_utf8')
  t.same(JSON.parse(raw[0].toString('latin1')), { content: { $binary: 2 }, text: 'a\xff"\\\n\xc3' }, 'the same bytes, escaped as JSON needs')
})

t.test('drain is awaited while rows are handed on', async t => {
  const { drains } = await read(written('drain')) // 1,200 rows in groups of 600
  t.equal(drains, 2 + 2, 'every 512 rows and after each row group')
})

t.test('row groups whose pages an offset index finds are read a slice of rows at a time, with the same rows', async t => {
  const bytes = written('paged') // 300 rows, groups of 150, pages of ~1,000 bytes
  const metadata = parquetMetadata(new Uint8Array(bytes))
  const indexed = (name: string) => metadata.row_groups.every(g => g.columns.filter(c => c.meta_data?.path_in_schema[0] === name).every(c => c.offset_index_offset !== undefined))
  t.ok(indexed('id') && indexed('messages'), 'id and messages have offset indexes')
  t.notOk(indexed('image'), 'image has none')
  const columns = ['id', 'messages']
  const whole = await read(bytes, { columns })
  const sliced = await read(bytes, { columns, sliceBytes: 1000 })
  t.same(sliced.records, whole.records)
  t.same(whole.records, Array.from({ length: 300 }, (_, i) => [i + 1, { id: expected(i).id, messages: expected(i).messages }]))
  t.equal(whole.drains, 2, 'whole: one drain per row group')
  t.ok(sliced.drains >= 6, `sliced: one drain per slice (${sliced.drains})`)
  const withImage = await read(bytes, { columns: null, sliceBytes: 4000 })
  t.ok(withImage.drains > 2, `a column without an offset index: its pages are found by their headers, and the groups read in slices too (${withImage.drains} drains)`)
  t.same(withImage.records, Array.from({ length: 300 }, (_, i) => [i + 1, expected(i)]))
})

t.test('without offset indexes, pages are found by their headers: memory follows the slice, the rows are the same', async t => {
  const bytes = written('paged-no-index') // 300 rows, groups of 150, pages of ~1,000 bytes, no offset index
  const metadata = parquetMetadata(new Uint8Array(bytes))
  t.ok(metadata.row_groups.every(g => g.columns.every(c => c.offset_index_offset === undefined)), 'no chunk has an offset index')
  const whole = await read(bytes, { columns: null, sliceBytes: 1e9 })
  const sliced = await read(bytes, { columns: null, sliceBytes: 2000 })
  t.same(whole.records, Array.from({ length: 300 }, (_, i) => [i + 1, expected(i)]))
  t.same(sliced.records, whole.records)
  t.equal(whole.drains, 2, 'one drain per group read whole')
  t.ok(sliced.drains >= 10, `one drain per slice (${sliced.drains})`)
  // pyarrow's files: version-1 pages of a nested column say how many values they hold, not rows: their repetition levels are counted.
  for (const name of ['snappy', 'zstd', 'lz4', 'v2-dictionary-page-index']) {
    const wanted = readFileSync(join(FIXTURES, 'expected.jsonl'), 'utf8').trim().split('\n').map(line => JSON.parse(line))
    const { records, faults } = await read(readFileSync(join(FIXTURES, `${name}.parquet`)), { columns: null, sliceBytes: 10 })
    t.same(faults, [], name)
    t.same(records, wanted.map((record, i) => [i + 1, record]), `${name}: the same rows when indexed by scanning`)
  }
})

t.test('a range of rows (the records API): only those, with their own row numbers', async t => {
  const bytes = written('small') // 20 rows in groups of 10
  const across = await read(bytes, { columns: null, rows: { start: 7, end: 13 } })
  t.same(across.records, [7, 8, 9, 10, 11, 12].map(i => [i + 1, expected(i)]), 'across two row groups')
  t.equal(across.rows, 6)
  const second = memorySource(bytes)
  const inside = await read(second, { columns: ['id'], rows: { start: 15, end: 100 } })
  t.same(inside.records, [15, 16, 17, 18, 19].map(i => [i + 1, { id: expected(i).id }]), 'past the end: up to the last row')
  t.same((await read(bytes, { columns: null, rows: { start: 20, end: 30 } })).records, [], 'after the last row: none')
})

t.test('a row longer than the record limit is reported by length, not handed on', async t => {
  const { records } = await read(written('small'), { columns: null, maxRecordBytes: 120 })
  const long = records.filter(r => 'tooLong' in (r[1] as object))
  t.ok(long.length > 0 && long.length < 20, `some rows are too long (${long.length})`)
  for (const [line, record] of records) {
    if ('tooLong' in (record as object)) t.ok((record as { tooLong: number }).tooLong > 120, `row ${line}`)
    else t.ok(Buffer.byteLength(JSON.stringify(record)) <= 120)
  }
})

t.test('damaged files: invalid_parquet after the rows before the fault', async t => {
  const bytes = written('gzip') // 30 rows in groups of 10
  const short = async (damaged: Buffer) => {
    try {
      await openParquet(memorySource(damaged))
      return null
    } catch (error) {
      t.ok(error instanceof ParquetError)
      return (error as Error).message
    }
  }
  t.match(await short(bytes.subarray(0, bytes.length - 100)), /does not end with the magic bytes PAR1, so it is truncated or damaged/)
  t.match(await short(bytes.subarray(0, 8)), /8 bytes long, too short for Parquet/)
  t.match(await short(Buffer.concat([Buffer.from('{"a": 1}\n'), bytes.subarray(4)])), /does not start with the magic bytes PAR1/)

  // The footer: same length, same magic, garbage inside.
  const footerLength = bytes.readUInt32LE(bytes.length - 8)
  const badFooter = Buffer.from(bytes)
  badFooter.fill(0xee, bytes.length - 8 - footerLength, bytes.length - 8)
  t.match(await short(badFooter), /its footer \(the file's metadata\) is damaged/)
  const badLength = Buffer.from(bytes)
  badLength.writeUInt32LE(bytes.length * 2, bytes.length - 8)
  t.match(await short(badLength), /footer .* is damaged: metadata length/)

  // A cut in the middle of the data with the footer kept: the first row group is read.
  const metadata = parquetMetadata(new Uint8Array(bytes))
  const second = metadata.row_groups[1].columns.map(c => Number(c.meta_data!.data_page_offset))
  const corrupt = Buffer.from(bytes)
  for (const offset of second) corrupt.fill(0x55, offset + 30, offset + 60)
  const result = await read(corrupt)
  t.same(result.records.map(r => r[0]), Array.from({ length: 10 }, (_, i) => i + 1), 'the rows of the first row group')
  t.equal(result.faults.length, 1)
  t.match(result.faults[0], /^The Parquet file cannot be read: row group 2 of 3 \(rows 11–20\) cannot be read: .+; the 10 rows before it were checked\.$/)
  t.equal(result.rows, 10)

  // The data of row groups 2 and 3 cut out, the footer kept: it points past the end of the file.
  const cut = Number(metadata.row_groups[1].columns[0].meta_data!.dictionary_page_offset ?? metadata.row_groups[1].columns[0].meta_data!.data_page_offset)
  const past = Buffer.concat([bytes.subarray(0, cut), bytes.subarray(bytes.length - 8 - footerLength)])
  const partial = await read(past)
  t.same(partial.records.map(r => r[0]), Array.from({ length: 10 }, (_, i) => i + 1), 'the rows of the first row group')
  t.equal(partial.faults.length, 1)
  t.match(partial.faults[0], /row group 2 of 3 \(rows 11–20\) cannot be read: the footer places its column id outside the data \(the file is truncated or damaged\)/)
})

t.test('a row group larger than the limit is refused before it is read', async t => {
  const bytes = written('small') // 20 rows in groups of 10
  const { faults, records } = await read(bytes, { columns: null, maxRowGroupBytes: 100, sliceBytes: 50 })
  t.same(records, [])
  t.match(faults[0], /row group 1 of 2 \(rows 1–10\) holds [\d,]+ bytes in the columns read, more than the limit of 100/)
})

t.test('the file source reads ranges from disk; a range past its end is an error', async t => {
  {
    const path = join(dir, 'data.jsonl') // the name does not matter: the magic bytes do
    const bytes = written('zstd') // 12 rows in groups of 5
    writeFileSync(path, bytes)
    t.ok(startsWithParquetMagic(readFileSync(path).subarray(0, 4)))
    t.notOk(startsWithParquetMagic(Buffer.from('{"a"')))
    const source = await fileByteSource(path)
    try {
      t.equal(source.byteLength, bytes.length)
      t.same(Buffer.from(await source.slice(4, 10)), bytes.subarray(4, 10))
      await t.rejects(source.slice(bytes.length - 2, bytes.length + 2), /past the end of the file/)
      const { records } = await read(source)
      t.same(records, Array.from({ length: 12 }, (_, i) => [i + 1, expected(i)]))
    } finally {
      await source.close()
    }
  }
})

t.test('the range source checks what storage answers', async t => {
  const source = rangeByteSource(100, async (start, end) => Buffer.alloc(Math.max(0, end - start - 1)))
  await t.rejects(source.slice(0, 10), /storage answered 9 bytes for a range of 10/)
  await t.rejects(source.slice(90, 101), /past the end of the file/)
  t.equal((await source.slice(5, 5)).byteLength, 0)
})
