import t from 'tap'
import fc from 'fast-check'
import { gzipSync } from 'node:zlib'
import { JsonArrayReader } from '../../../src/validation/files/json-array.js'
import { gunzip } from '../../../src/validation/files/gzip.js'

type Event = ['bom'] | ['record', number, string] | ['tooLong', number, number] | ['fault', number, string]

/** Feeds bytes to a reader in chunks of `chunkSize`; every event in order, and the line count. */
function read (input: string | Buffer, { chunkSize = 64 * 1024, max = 8 * 1024 * 1024 } = {}) {
  const events: Event[] = []
  const reader = new JsonArrayReader({
    bom: () => events.push(['bom']),
    record: (line, bytes) => events.push(['record', line, bytes.toString('utf8')]),
    tooLong: (line, bytes) => events.push(['tooLong', line, bytes]),
    fault: (line, message) => events.push(['fault', line, message])
  }, max)
  const bytes = typeof input === 'string' ? Buffer.from(input) : input
  for (let i = 0; i < bytes.length; i += chunkSize) reader.push(bytes.subarray(i, i + chunkSize))
  reader.end()
  return { events, lines: reader.lines, elements: reader.elements, failed: reader.failed }
}

/** [line, parsed element] of each record, for comparing with what was written. */
const records = (events: Event[]) => events.filter(e => e[0] === 'record').map(e => [e[1], JSON.parse(e[2] as string)])
const faults = (events: Event[]) => events.filter(e => e[0] === 'fault').map(e => e[1])

const conversation = (i: number) => ({ conversation_id: `c-${i}`, turns: [{ role: 'user', content: `Hi ${i}\n"quoted" \\ é 😀` }, { role: 'assistant', content: 'Hello!' }] })

t.test('a pretty-printed array: each element on the line of its first byte, exact bytes', async t => {
  const values = [conversation(1), conversation(2), conversation(3)]
  const text = JSON.stringify(values, null, 2) // LLaMA-Factory writes json.dump(indent=2)
  const { events, lines } = read(text)
  // `[` on line 1, each conversation spans 13 lines.
  t.same(records(events), [[2, values[0]], [15, values[1]], [28, values[2]]])
  t.equal(lines, text.split('\n').length)
  const first = events[0][2] as string
  t.equal(first, JSON.stringify(values[0], null, 2).replace(/\n/g, '\n  '), 'the bytes are the element alone, inner whitespace kept')
  const crlf = read(text.replace(/\n/g, '\r\n') + '\r\n')
  t.same(records(crlf.events), records(events), 'CRLF: same elements and lines')
  t.equal(crlf.lines, lines)
})

t.test('one element per line, a minified file, and non-object elements', async t => {
  const perLine = `[\n${JSON.stringify(conversation(1))},\n${JSON.stringify(conversation(2))}\n]\n`
  t.same(records(read(perLine).events), [[2, conversation(1)], [3, conversation(2)]])
  t.equal(read(perLine).lines, 4)
  const minified = JSON.stringify([conversation(1), conversation(2)])
  t.same(records(read(minified).events), [[1, conversation(1)], [1, conversation(2)]], 'one line: every element on line 1')
  t.equal(read(minified).lines, 1)
  const mixed = read('[1, -0.5e+3, "text", null, true, false, [], [{"a": [1, {}]}], {}]')
  t.same(mixed.events.map(e => e[2]), ['1', '-0.5e+3', '"text"', 'null', 'true', 'false', '[]', '[{"a": [1, {}]}]', '{}'],
    'non-objects are records too: the record analysis reports not_an_object')
  t.same(faults(mixed.events), [])
})

t.test('empty arrays and whitespace between elements', async t => {
  for (const text of ['[]', ' [ ] ', '\n[\n\n]\n\n']) {
    const result = read(text)
    t.same(result.events, [], `${JSON.stringify(text)}: no record, no fault (the pipeline reports empty_file)`)
    t.equal(result.elements, 0)
  }
  t.equal(read('\n[\n\n]\n\n').lines, 5)
  t.equal(read('').lines, 0)
  t.same(read('   \n ').events, [], 'nothing but whitespace: no array, nothing to report here')
  const spaced = read('[\n\n  1  \n\n ,\t\r\n 2 ]')
  t.same(spaced.events, [['record', 3, '1'], ['record', 6, '2']], 'whitespace is not reported')
})

t.test('byte-order mark: skipped at byte 0 only', async t => {
  const text = `\ufeff[${JSON.stringify(conversation(1))}]`
  for (const chunkSize of [1, 2, 1024]) {
    const { events } = read(text, { chunkSize })
    t.same(events.map(e => e[0]), ['bom', 'record'], `chunks of ${chunkSize}`)
  }
  const later = read('[\ufeff1]')
  t.same(faults(later.events), [1])
  t.match(later.events[0][2], /expected an element, found byte 0xEF \(byte 2 of the line\)/)
  t.same(read('\ufeff').events, [['bom']])
  t.same(faults(read(Buffer.from([0xef, 0xbb])).events), [1], 'part of a BOM is content: not an array')
})

t.test('arrays inside gzip, members concatenated', async t => {
  const values = Array.from({ length: 300 }, (_, i) => conversation(i))
  const text = JSON.stringify(values, null, 1)
  const half = Math.floor(text.length / 2)
  const gz = Buffer.concat([gzipSync(text.slice(0, half)), gzipSync(text.slice(half))])
  const reader = read(Buffer.alloc(0))
  t.equal(reader.lines, 0)
  const events: Event[] = []
  const streamed = new JsonArrayReader({
    bom: () => events.push(['bom']),
    record: (line, bytes) => events.push(['record', line, bytes.toString()]),
    tooLong: (line, bytes) => events.push(['tooLong', line, bytes]),
    fault: (line, message) => events.push(['fault', line, message])
  }, 8 * 1024 * 1024)
  async function * chunks () { for (let i = 0; i < gz.length; i += 1000) yield gz.subarray(i, i + 1000) }
  for await (const chunk of gunzip(chunks())) streamed.push(chunk)
  streamed.end()
  t.same(events, read(text).events, 'same events as the plain text')
  t.equal(records(events).length, 300)
  t.equal(streamed.lines, text.split('\n').length)
})

t.test('garbage after the closing bracket, and not an array at all', async t => {
  const after = read('[1, 2]\n\n  x\n')
  t.same(after.events.slice(0, 2), [['record', 1, '1'], ['record', 1, '2']])
  t.same(faults(after.events), [3])
  t.match(after.events[2][2], /nothing but whitespace may follow the array's closing '\]', found 'x' \(byte 3 of the line\); nothing after it was read/)
  t.equal(after.lines, 3)
  t.same(faults(read('[1][2]').events), [1], 'a second array')
  t.same(read('[1]\n \t\r\n').events, [['record', 1, '1']], 'whitespace after is fine')
  const object = read('\n{"a": 1}')
  t.same(faults(object.events), [2])
  t.match(object.events[0][2], /expected '\[' at the start of the file, found '\{'/)
  t.ok(object.failed)
})

t.test('syntax errors between elements stop the read at the fault line', async t => {
  const cases: Array<[string, number, RegExp, string[]]> = [
    ['[1,\n2\n3]', 3, /expected ',' or '\]' after an element, found '3'/, ['1', '2']],
    ['[1,\n2,\n]', 3, /expected an element, found '\]'/, ['1', '2']],
    ['[,1]', 1, /expected an element, found ','/, []],
    ['[1,\n2', 2, /found the end of the file/, ['1', '2']],
    ['[\n{"a": 1}\n', 2, /expected ',' or '\]' after an element, found the end of the file/, ['{"a": 1}']],
    ['[\n\n', 2, /expected an element, found the end of the file/, []],
    ['[1;2]', 1, /found ';'/, ['1']],
    ['[1, NaN]', 1, /expected an element, found 'N'/, ['1']]
  ]
  for (const [text, line, message, elements] of cases) {
    const { events } = read(text)
    t.same(events.filter(e => e[0] === 'record').map(e => e[2]), elements, `${JSON.stringify(text)}: the elements before the fault`)
    t.same(faults(events), [line], `${JSON.stringify(text)}: fault on line ${line}`)
    t.match(events[events.length - 1][2], message)
  }
})

t.test('syntax errors inside an element: the element is not handed on, the fault is at its own line', async t => {
  const good = JSON.stringify(conversation(1), null, 2)
  const bad = good.replace('"role": "assistant"', '"role": "assistant",,')
  const text = `[\n${good},\n${bad},\n${good}\n]`
  const faultLine = text.split('\n').findIndex(l => l.includes(',,')) + 1
  const { events, lines } = read(text)
  t.same(records(events), [[2, conversation(1)]], 'only the element before the bad one')
  t.same(faults(events), [faultLine], 'the line of the fault, not of the element')
  t.match(events[1][2], /expected a key in double quotes, found ','/)
  t.equal(lines, text.split('\n').length, 'lines still counts the whole file')

  const inner: Array<[string, RegExp]> = [
    ['[{"a": tru}]', /expected 'true', found '\}'/],
    ['[{"a": 01}]', /leading zero/],
    ['[{"a": 1.}]', /expected a digit/],
    ['[{"a": "x\ty"}]', /control character inside a string must be escaped, found byte 0x09/],
    ['[{"a": "x\ny"}]', /found a line break/],
    ['[{"a": "\\q"}]', /invalid escape/],
    ['[{"a": "\\u12x4"}]', /4 hexadecimal digits/],
    ['[{"a" 1}]', /expected ':' after a key/],
    ['[{a: 1}]', /expected a key in double quotes/],
    ['[{"a": 1,}]', /expected a key in double quotes, found '\}'/],
    ['[[1,]]', /expected a value, found '\]'/],
    ['[{"a": [1}]', /expected ',' or '\]', found '\}'/],
    ['[{"a": 1]', /expected ',' or '\}', found '\]'/],
    ['[{"a": "b}]', /a string is not closed, found the end of the file/],
    ['[{"a": // comment\n1}]', /expected a value, found '\/'/]
  ]
  for (const [text, message] of inner) {
    const result = read(text)
    t.same(result.events.map(e => e[0]), ['fault'], JSON.stringify(text))
    t.match(result.events[0][2], message)
  }
  t.same(read('["a\nb"]').events[0][1], 1, 'a raw line break in a string is a fault on the line where it stands')
})

t.test('an element longer than the limit: tooLong with its length, never held, and the next one is read', async t => {
  const max = 8 * 1024 * 1024
  const head = '[\n{"conversation_id": "big", "turns": [{"role": "user", "content": "'
  const filler = 9 * 1024 * 1024
  const tail = '"}]},\n{"conversation_id": "next", "turns": []}\n]'
  const events: Event[] = []
  let maxHeld = 0
  const reader = new JsonArrayReader({
    bom: () => {},
    record: (line, bytes) => events.push(['record', line, bytes.toString()]),
    tooLong: (line, bytes) => events.push(['tooLong', line, bytes]),
    fault: (line, message) => events.push(['fault', line, message])
  }, max)
  const before = process.memoryUsage().arrayBuffers
  reader.push(Buffer.from(head))
  const block = Buffer.alloc(64 * 1024, 'ab\\"cd \\\\ é xyz') // 16 bytes: no escape is cut
  let sent = 0
  while (sent < filler) {
    const piece = block.subarray(0, Math.min(block.length, filler - sent) & ~15) // whole escape pairs
    if (piece.length === 0) break
    reader.push(piece)
    sent += piece.length
    maxHeld = Math.max(maxHeld, reader.heldBytes)
  }
  reader.push(Buffer.from(tail))
  reader.end()
  const elementBytes = Buffer.byteLength(head) - 2 + sent + Buffer.byteLength('"}]}')
  t.same(events, [['tooLong', 2, elementBytes], ['record', 3, '{"conversation_id": "next", "turns": []}']])
  t.ok(maxHeld <= max, `held at most the limit (${maxHeld} bytes)`)
  t.ok(process.memoryUsage().arrayBuffers - before < elementBytes, 'not held whole')

  // With a small limit the whole 9 MiB passes while the reader holds at most 1 MiB.
  const small = new JsonArrayReader({ bom: () => {}, record: () => {}, tooLong: (line, bytes) => events.push(['tooLong', line, bytes]), fault: () => t.fail('no fault') }, 1024 * 1024)
  small.push(Buffer.from(head))
  let held = 0
  for (let i = 0; i < filler / block.length; i++) {
    small.push(block)
    held = Math.max(held, small.heldBytes)
  }
  small.push(Buffer.from(tail))
  small.end()
  t.ok(held <= 1024 * 1024, `at most 1 MiB held (${held})`)
  t.same(events[events.length - 1], ['tooLong', 2, Buffer.byteLength(head) - 2 + filler + 4])
})

t.test('exactly the limit is allowed, one byte more is too long', async t => {
  const element = JSON.stringify({ text: 'x'.repeat(100) })
  const size = Buffer.byteLength(element)
  t.same(read(`[${element}]`, { max: size }).events, [['record', 1, element]])
  t.same(read(`[${element}]`, { max: size - 1, chunkSize: 7 }).events, [['tooLong', 1, size]])
  t.same(read('[12345, 1]', { max: 4 }).events, [['tooLong', 1, 5], ['record', 1, '1']], 'a long number')
})

t.test('nesting: 10,000 deep is fine; deeper than the limit is a fault, with bounded memory', async t => {
  const deep = '['.repeat(10_000) + ']'.repeat(10_000)
  t.same(read(`[${deep}]`, { chunkSize: 333 }).events, [['record', 1, deep]])
  const tooDeep = read(`[${'['.repeat(200)}`, { max: 100 })
  t.same(faults(tooDeep.events), [1])
  t.match(tooDeep.events[0][2], /values nest deeper than 100 levels/)
})

/** Random JSON values laid out as an array with random whitespace, and where each element starts. */
const layout = fc.tuple(
  fc.array(fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('', ' ', '\n', '\r\n', '\n\n\t'), fc.constantFrom(0, 1, 2)), { maxLength: 8 }),
  fc.constantFrom('', '\n', ' \n ')
).map(([items, end]) => {
  let text = '['
  const expected: Array<[number, unknown]> = []
  items.forEach(([value, space, indent], i) => {
    text += (i ? ',' : '') + space
    expected.push([text.split('\n').length, JSON.parse(JSON.stringify(value))])
    text += JSON.stringify(value, null, indent)
  })
  return { text: text + end + ']' + end, expected }
})

t.test('property: any chunking gives the same events, and the elements and lines written', async t => {
  fc.assert(fc.property(layout, fc.integer({ min: 1, max: 17 }), ({ text, expected }, chunkSize) => {
    const whole = read(text)
    const split = read(text, { chunkSize })
    const bytes = read(text, { chunkSize: 1 })
    return JSON.stringify(split) === JSON.stringify(whole) && JSON.stringify(bytes) === JSON.stringify(whole) &&
      JSON.stringify(records(whole.events)) === JSON.stringify(expected) && whole.lines === text.split('\n').length - (text.endsWith('\n') ? 1 : 0)
  }), { numRuns: Number(process.env.FUZZ_RUNS ?? 300) })
  t.pass('checked')
})

t.test('property: the reader accepts exactly what JSON.parse accepts, and a fault is where the text breaks', async t => {
  const mutated = fc.tuple(layout, fc.nat(), fc.constantFrom(',', ']', '[', '}', '{', '"', ':', '\\', '0', '-', '.', 'e', 't', ' ', '\n', '\t', 'x'), fc.boolean())
    .map(([{ text }, at, insert, remove]) => {
      const i = at % (text.length + 1)
      return remove ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + insert + text.slice(i)
    })
  fc.assert(fc.property(mutated, fc.integer({ min: 1, max: 9 }), (text, chunkSize) => {
    let parsed: unknown[] | null
    try {
      const value = JSON.parse(text)
      parsed = Array.isArray(value) ? value : null
    } catch {
      parsed = null // not JSON: the reader must fault
    }
    const result = read(text, { chunkSize })
    if (text.trim() === '') return result.events.length === 0
    if (parsed === null) return result.failed
    return !result.failed && JSON.stringify(result.events.map(e => JSON.parse(e[2] as string))) === JSON.stringify(parsed)
  }), { numRuns: Number(process.env.FUZZ_RUNS ?? 1000) })
  t.pass('checked')
})
