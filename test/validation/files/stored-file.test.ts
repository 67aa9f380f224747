// The one entry point (readStoredFile) through the engine: each file kind gets the contract's
// issues at exact lines, with one thread and with the analysis threads.
import t, { type Test } from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { rangeByteSource } from '../../../src/validation/files/byte-source.js'
import { mayBeJsonArray, parquetColumnsFor, readStoredFile, type StoredFile, type StoredFileKind } from '../../../src/validation/files/stored-file.js'
import { validate, type Report } from '../../../src/validation/index.js'
import { CODECS, makeFiles } from '../../fixtures/parquet/data.js'
import { issues, ok, record, turn } from '../support.js'

const dir = mkdtempSync(join(tmpdir(), 'stored-file-test-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
makeFiles(dir)
const parquet = (name: string) => readFileSync(join(dir, `${name}.parquet`))

/** A stored file over bytes in memory, streamed in chunks of `chunk` bytes. */
function stored (bytes: string | Buffer, name: string | null, chunk = 7): StoredFile {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes
  return {
    name,
    stream: () => Readable.from(Array.from({ length: Math.ceil(data.length / chunk) }, (_, i) => data.subarray(i * chunk, (i + 1) * chunk))),
    range: () => rangeByteSource(data.length, async (start, end) => data.subarray(start, end))
  }
}

async function check (bytes: string | Buffer, name: string | null, threads = 1) {
  let kind: StoredFileKind | null = null
  const report = await validate(stored(bytes, name), { threads, onFileKind: k => { kind = k } })
  return { report, kind: kind as StoredFileKind | null }
}

const both = async (t: Test, bytes: string | Buffer, name: string | null, test: (result: { report: Report, kind: StoredFileKind | null }) => void) => {
  for (const threads of [1, 2]) {
    const result = await check(bytes, name, threads)
    t.comment(`threads ${threads}`)
    test(result)
  }
}

t.test('a pretty-printed JSON array: each element at the line of its first byte, stats.lines the physical lines', async t => {
  const text = JSON.stringify([
    { conversation_id: 'a', turns: [turn('user', 'Hi'), turn('assistant', 'Hello')] },
    { conversation_id: 'b', turns: [] },
    'not an object',
    { conversation_id: 'a', turns: [turn('user', 'Hi'), turn('assistant', 'Hello')] }
  ], null, 2) + '\n'
  const lines = text.split('\n')
  const lineOf = (needle: string, from = 0) => lines.findIndex((line, i) => i >= from && line.includes(needle)) + 1
  const b = lineOf('"b"') - 1 // the `{` is the line before its first key
  const notObject = lineOf('"not an object"')
  const secondA = lineOf('"a"', notObject) - 1
  await both(t, text, 'data.json', ({ report, kind }) => {
    t.equal(kind, 'json_array')
    t.same(issues(report), [[b, 'invalid_turns', 'turns'], [notObject, 'not_an_object', ''], [secondA, 'duplicate_conversation_id', 'conversation_id'], [secondA, 'duplicate_conversation', 'turns']])
    t.equal(report.stats.lines, lines.length - 1, 'the physical lines (the last newline ends the last one)')
    t.equal(report.stats.conversations, 2)
    t.equal(report.stats.bytes, Buffer.byteLength(text))
  })
})

t.test('gzip arrays, BOM, and .json files that are JSON Lines', async t => {
  const array = `\uFEFF[${ok('x')},\n${ok('y')}]`
  for (const [bytes, name, wanted] of [
    [gzipSync(array), 'data.json.gz', 'json_array'],
    [array, 'DATA.JSON', 'json_array'],
    [`${ok('x')}\n${ok('y')}\n`, 'data.json', 'jsonl'],
    [array, 'data.jsonl', 'jsonl'] // a .jsonl name is always JSON Lines
  ] as const) {
    const { report, kind } = await check(bytes, name)
    t.equal(kind, wanted, `${name}: ${wanted}`)
    if (wanted === 'json_array') {
      t.same(issues(report), [[1, 'bom', '']], name)
      t.equal(report.stats.conversations, 2)
    }
  }
  const { report } = await check(array, 'data.jsonl')
  t.same(issues(report), [[1, 'invalid_json', ''], [2, 'invalid_json', ''], [1, 'bom', '']], 'an array read as JSON Lines is not JSON on its lines')
})

t.test('empty arrays are empty_file; garbage after ] and syntax faults are invalid_json at their line, after the records before', async t => {
  const empty = await check('  [\n\n ]\n', 'e.json')
  t.same(issues(empty.report), [[0, 'empty_file', '']])
  t.equal(empty.kind, 'json_array')
  await both(t, `[\n${ok('a')},\n${record('b', [])}\n]\nxyz\n`, 'g.json', ({ report }) => {
    t.same(issues(report), [[3, 'invalid_turns', 'turns'], [5, 'invalid_json', '']])
    t.match(report.errors[1].message, /nothing but whitespace may follow the array's closing '\]'/)
    t.equal(report.stats.conversations, 1, 'the records before the fault were checked')
  })
  await both(t, `[\n${ok('a')},\n${ok('b')}\n,\n{"conversation_id": "c", "turns": [}\n${ok('d')}\n]`, 's.json', ({ report }) => {
    t.same(issues(report), [[5, 'invalid_json', '']], 'nothing after the fault is read')
    t.equal(report.stats.conversations, 2)
    t.equal(report.stats.lines, 7)
  })
  const only = await check('[{"a": 1,}]', 'o.json')
  t.same(issues(only.report), [[1, 'invalid_json', '']], 'a fault before any record: no empty_file besides it')
})

t.test('a JSON array with a 9 MiB element among many: line_too_long at its line, never held whole, memory bounded', async t => {
  const element = (i: number) => record(`c${i}`, [turn('user', `Question ${i} `.repeat(20)), turn('assistant', `Answer ${i} `.repeat(40))])
  const before = 20_000
  const after = 20_000
  async function * source () {
    yield Buffer.from('[\n')
    for (let i = 0; i < before; i += 1000) yield Buffer.from(Array.from({ length: 1000 }, (_, k) => element(i + k)).join(',\n') + ',\n')
    yield Buffer.from('{"conversation_id": "huge", "turns": [{"role": "user", "content": "')
    const block = Buffer.alloc(1024 * 1024, 'abcdefgh')
    for (let i = 0; i < 9; i++) yield block
    yield Buffer.from('"}]},\n')
    for (let i = 0; i < after; i += 1000) yield Buffer.from(Array.from({ length: 1000 }, (_, k) => element(before + i + k)).join(',\n') + (i + 1000 < after ? ',\n' : '\n'))
    yield Buffer.from(']\n')
  }
  global.gc?.()
  const rss = process.memoryUsage().rss
  let peak = rss
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 5)
  const report = await validate({ name: 'big.json', stream: source }, { threads: 2 })
  clearInterval(timer)
  t.same(issues(report), [[before + 2, 'line_too_long', '']], 'the element on its own line, after the first records and the "["')
  t.match(report.errors[0].message, /The line is 9,437,2\d\d bytes long; the limit is 8,388,608 bytes/)
  t.equal(report.stats.conversations, before + after)
  t.ok(peak - rss < 200 * 1024 * 1024, `memory grew by ${Math.round((peak - rss) / 1048576)} MiB while ~${Math.round((before + after) * 700 / 1048576) + 9} MiB streamed`)
})

t.test('Parquet: several row groups and every compression, rows as records, line = row number', async t => {
  for (const codec of CODECS) {
    await both(t, parquet(`codec-${codec}`), 'data.parquet', ({ report, kind }) => {
      t.equal(kind, 'parquet')
      // sample(): row 2 (id null) has no conversation_id but messages; row 3 has null messages (invalid_turns).
      t.same(issues(report), [[3, 'invalid_turns', 'messages']], codec)
      t.equal(report.stats.format, 'openai')
      t.equal(report.stats.lines, 25, 'stats.lines: the rows')
      t.equal(report.stats.conversations, 24)
      t.equal(report.stats.bytes, parquet(`codec-${codec}`).length)
    })
  }
})

t.test('Parquet: int64 ids exact, null cells, the PAR1 magic whatever the name, a truncated file', async t => {
  const ids = parquet('int64') // one int64 column `id`: no recognising column, so native, which reads conversation_id and turns
  const { report } = await check(ids, 'ids.jsonl')
  t.equal(report.stats.format, 'native')
  t.same(issues(report), [1, 2, 3, 4, 5, 6].flatMap(row => [[row, 'missing_conversation_id', 'conversation_id'], [row, 'missing_turns', 'turns']]), 'read as Parquet although named .jsonl: one record per row')
  const named = await check(parquet('small'), 'small.jsonl')
  t.equal(named.kind, 'parquet', 'a .jsonl name with the PAR1 magic is Parquet')
  t.equal(named.report.stats.conversations, 19)

  const whole = parquet('codec-SNAPPY')
  const cut = whole.subarray(0, whole.length - 100)
  const truncated = await check(cut, 'cut.parquet')
  t.same(issues(truncated.report), [[0, 'invalid_parquet', '']])
  t.match(truncated.report.errors[0].message, /The Parquet file cannot be read: it does not end with the magic bytes PAR1, so it is truncated or damaged/)

  // The footer is whole but a row group's data is damaged: the rows before it are checked first.
  const damaged = Buffer.from(whole)
  const { parquetMetadata } = await import('hyparquet')
  const group = parquetMetadata(new Uint8Array(whole).buffer).row_groups[1]
  const start = Number(group.columns[1].meta_data!.data_page_offset)
  damaged.fill(0xff, start, start + 40)
  const broken = await check(damaged, 'broken.parquet', 2)
  t.equal(broken.report.errors[broken.report.errors.length - 1].code, 'invalid_parquet')
  t.match(broken.report.errors[broken.report.errors.length - 1].message, /row group 2 of 3 \(rows 11–20\) cannot be read: .*; the 10 rows before it were checked/)
  t.equal(broken.report.stats.conversations, 9, 'the 10 rows of group 1 were checked (row 3 has an error)')
})

t.test('Parquet: only the columns of the file\'s format and the ids are read', async t => {
  t.same(parquetColumnsFor(['id', 'messages', 'image', 'source']), ['id', 'messages'])
  t.same(parquetColumnsFor(['conversation_id', 'turns', 'meta']), ['conversation_id', 'turns'])
  t.same(parquetColumnsFor(['instruction', 'input', 'output', 'history', 'image']), ['instruction', 'input', 'output', 'history'])
  t.same(parquetColumnsFor(['text', 'url']), ['text'])
  t.same(parquetColumnsFor(['image']), [], 'nothing recognised: native, which reads conversation_id and turns')
  const seen: string[] = []
  await readStoredFile(stored(parquet('small'), 'x.parquet'), { bom () {}, blank () {}, tooLong () {}, record: (_line, bytes) => { seen.push(bytes.toString()) } }, { maxLineBytes: 1 << 20 })
  t.notMatch(seen[0], /image|source/, 'the image and source columns are not read')
  t.match(JSON.parse(seen[0]), { id: 0, messages: [{ role: 'user' }, { role: 'assistant' }] })
})

t.test('names: only .json and .json.gz may be arrays', async t => {
  for (const name of ['a.json', 'a.JSON', 'a.json.gz', 'x.y.Json.GZ']) t.ok(mayBeJsonArray(name), name)
  for (const name of ['a.jsonl', 'a.ndjson', 'a.json.zip', 'json', null, undefined]) t.notOk(mayBeJsonArray(name), String(name))
})

t.test('a bare stream is JSON Lines; Parquet without ranged reads is refused clearly', async t => {
  const report = await validate(Readable.from([Buffer.from(`[${ok('x')}]`)]))
  t.same(issues(report).map(i => i[1]), ['not_an_object'], 'the line is one JSON array, not an object')
  await t.rejects(validate({ name: 'a.parquet', stream: () => Readable.from([parquet('small')]) }), /This is a Parquet file: it is read by byte ranges, and none were given/)
})
