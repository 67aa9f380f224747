import t from 'tap'
import { gzipSync } from 'node:zlib'
import { summariseErrors } from '../../src/tasks/dataset__validate.js'
import { check, issues, ok } from './support.js'

const text = [ok('a'), ok('b')].join('\n') + '\n'
const utf16be = (value: string) => Buffer.from(value, 'utf16le').swap16()

t.test('a UTF-16 file: its lines reported as before, and a note that says what the file is', async t => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['little-endian with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), /UTF-16 text \(little-endian\)/],
    ['big-endian with a BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(text)]), /UTF-16 text \(big-endian\)/],
    ['little-endian without a BOM', Buffer.from(text, 'utf16le'), /UTF-16 text \(little-endian\)/],
    ['big-endian without a BOM', utf16be(text), /UTF-16 text \(big-endian\)/],
    ['gzip of UTF-16', gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])), /UTF-16 text \(little-endian\)/]
  ]
  for (const [name, bytes, words] of cases) {
    const report = await check(bytes, { chunkSize: 5 })
    t.equal(report.outcome, 'error', name)
    t.ok(issues(report).length > 0 && issues(report).every(([line, code]) => (line as number) >= 1 && ['invalid_utf8', 'invalid_json'].includes(code as string)),
      `${name}: every line reported as invalid_utf8 or invalid_json`)
    t.equal(report.notes?.length, 1, `${name}: one note`)
    t.equal(report.notes![0].code, 'utf16')
    t.match(report.notes![0].message, words)
    t.match(report.notes![0].message, /save it as UTF-8/)
    t.match(summariseErrors(report), /^The file is UTF-16 text .*save it as UTF-8.* \d+ errors?: invalid_/, `${name}: the dataset's error message says it in words`)
  }
  const bomLine = await check(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))
  t.same(issues(bomLine)[0], [1, 'invalid_utf8', ''], 'the byte-order mark FF FE is not UTF-8')
})

t.test('UTF-8 files get no note, NUL bytes or not', async t => {
  const plain = await check(text)
  t.same(Object.keys(plain), ['outcome', 'stats', 'counts', 'errors', 'warnings'], 'no notes key at all')
  const withNul = await check('\0' + text)
  t.equal(withNul.notes, undefined, 'one NUL byte is not UTF-16')
  t.same(issues(withNul), [[1, 'invalid_json', '']])
  const short = await check(Buffer.from('{\0'))
  t.equal(short.notes, undefined, 'two bytes are too few to tell')
  t.equal(summariseErrors(withNul), '1 error: invalid_json ×1 (first on line 1)')
})
