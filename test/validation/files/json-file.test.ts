import t from 'tap'
import { JsonFileReader } from '../../../src/validation/files/json-file.js'

function read (input: string | Buffer, chunkSize = 64 * 1024, max = 8 * 1024 * 1024) {
  const events: unknown[] = []
  const reader = new JsonFileReader({
    bom: () => events.push(['bom']),
    blank: (line, count) => events.push(['blank', line, count]),
    record: (line, bytes) => events.push(['record', line, bytes.toString()]),
    tooLong: (line, bytes) => events.push(['tooLong', line, bytes]),
    fault: (line) => events.push(['fault', line])
  }, max)
  const bytes = typeof input === 'string' ? Buffer.from(input) : input
  for (let i = 0; i < bytes.length; i += chunkSize) reader.push(bytes.subarray(i, i + chunkSize))
  reader.end()
  return { kind: reader.kind, events, lines: reader.lines, failed: reader.failed }
}

t.test('a .json file is a JSON array when its first byte that is not whitespace is [', async t => {
  for (const chunkSize of [1, 3, 1024]) {
    const array = read('\ufeff \r\n\t[{"a": 1},\n{"b": 2}]\n', chunkSize)
    t.equal(array.kind, 'array', `chunks of ${chunkSize}`)
    t.same(array.events, [['bom'], ['record', 2, '{"a": 1}'], ['record', 3, '{"b": 2}']], 'whitespace before the array is not reported')
    t.equal(array.lines, 3)
  }
  const broken = read('[1,]')
  t.equal(broken.kind, 'array')
  t.ok(broken.failed)
  t.same(broken.events, [['record', 1, '1'], ['fault', 1]])
})

t.test('any other .json file is JSON Lines', async t => {
  for (const chunkSize of [1, 1024]) {
    const lines = read('\n{"a": 1}\n\n{"b": 2}\n', chunkSize)
    t.equal(lines.kind, 'lines')
    t.same(lines.events, [['blank', 1, 1], ['record', 2, '{"a": 1}'], ['blank', 3, 1], ['record', 4, '{"b": 2}']], 'blank lines are reported as in JSON Lines')
    t.equal(lines.lines, 4)
    t.notOk(lines.failed)
  }
  t.equal(read('"text"\n').kind, 'lines')
  t.equal(read('').kind, 'lines', 'an empty file: JSON Lines reports empty_file')
  t.same(read('  \n ').events, [['blank', 1, 1], ['blank', 2, 1]], 'whitespace only: JSON Lines')
  const partialBom = read(Buffer.from([0xef, 0xbb, 0x5b, 0x5d]), 1)
  t.equal(partialBom.kind, 'lines', 'part of a BOM is content, not whitespace')
  t.same(read(Buffer.from([0xef, 0xbb, 0xbf, 0x5b, 0x5d])).kind, 'array')
})

t.test('the look-ahead is bounded by the line limit', async t => {
  const spaces = ' '.repeat(100)
  t.equal(read(`${spaces}[1]`, 10, 1000).kind, 'array')
  const far = read(`${spaces}[1]`, 10, 50)
  t.equal(far.kind, 'lines', 'more whitespace than the limit before any byte: JSON Lines')
  t.same(far.events, [['tooLong', 1, 103]])
})
