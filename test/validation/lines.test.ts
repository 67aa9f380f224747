import t from 'tap'
import { check, issues, ok } from './support.js'

const BOM = '\ufeff'

t.test('lines end with \\n or \\r\\n; a final line needs no newline', async t => {
  for (const [name, text] of [['LF', `${ok('a')}\n${ok('b')}\n`], ['CRLF', `${ok('a')}\r\n${ok('b')}\r\n`], ['no final newline', `${ok('a')}\n${ok('b')}`]]) {
    const report = await check(text)
    t.equal(report.outcome, 'ready', name)
    t.equal(report.stats.lines, 2, `${name}: 2 physical lines`)
    t.equal(report.stats.conversations, 2)
    t.same(report.counts, {})
  }
})

t.test('a lone \\r is content, not a line end', async t => {
  const report = await check(`${ok('a')}\r${ok('b')}\n`)
  t.equal(report.stats.lines, 1)
  t.same(issues(report), [[1, 'invalid_json', '']])
})

t.test('byte-order mark: skipped at byte 0 with a warning, content elsewhere', async t => {
  const start = await check(`${BOM}${ok('a')}\n`)
  t.equal(start.outcome, 'ready')
  t.same(issues(start), [[1, 'bom', '']])
  const split = await check(Buffer.from(`${BOM}${ok('a')}\n`), { chunkSize: 1 })
  t.same(issues(split), [[1, 'bom', '']], 'a BOM split across chunks')
  const later = await check(`${ok('a')}\n${BOM}${ok('b')}\n`)
  t.same(issues(later), [[2, 'invalid_json', '']], 'a BOM on line 2 is content')
  const thenBlank = await check(`${BOM}\n${ok('a')}\n`)
  t.same(issues(thenBlank), [[1, 'bom', ''], [1, 'blank_line', '']], 'BOM then blank line')
  t.equal(thenBlank.outcome, 'ready')
  t.equal(thenBlank.stats.lines, 2)
  const onlyBom = await check(BOM)
  t.same(issues(onlyBom), [[0, 'empty_file', ''], [1, 'bom', '']])
})

t.test('blank lines are skipped and counted', async t => {
  const report = await check(`\n${ok('a')}\n   \t\r\n\n${ok('b')}\n \t`)
  t.equal(report.outcome, 'ready')
  t.same(issues(report), [[1, 'blank_line', ''], [3, 'blank_line', ''], [4, 'blank_line', ''], [6, 'blank_line', '']])
  t.equal(report.stats.lines, 6)
  t.equal(report.counts.blank_line, 4)
})

t.test('empty file and file of blank lines: empty_file on line 0', async t => {
  const empty = await check('')
  t.equal(empty.outcome, 'error')
  t.same(issues(empty), [[0, 'empty_file', '']])
  t.equal(empty.stats.lines, 0)
  t.equal(empty.stats.bytes, 0)
  const blanks = await check('\n  \n\t\r\n')
  t.same(issues(blanks), [[0, 'empty_file', ''], [1, 'blank_line', ''], [2, 'blank_line', ''], [3, 'blank_line', '']])
  t.equal(blanks.stats.lines, 3)
})

t.test('line length limit: exactly the limit passes, one byte more is line_too_long only', async t => {
  const limit = 8 * 1024 * 1024
  const line = (bytes: number) => {
    const head = '{"conversation_id":"big","turns":[{"role":"user","content":"'
    const tail = '"},{"role":"assistant","content":"ok"}]}'
    return head + 'lorem ipsum '.repeat(bytes).slice(0, bytes - head.length - tail.length) + tail
  }
  t.equal(Buffer.byteLength(line(limit)), limit)
  const exact = await check(`${line(limit)}\n`, { contextLimit: 10_000_000 })
  t.same(issues(exact), [], 'exactly 8 MiB is allowed')
  const exactCrlf = await check(`${line(limit)}\r\n${ok('x')}\r\n`, { contextLimit: 10_000_000 })
  t.same(issues(exactCrlf), [], 'the \\r of CRLF does not count')
  t.equal(exactCrlf.stats.conversations, 2)
  const over = await check(`${line(limit + 1)}\r\n${ok('x')}\n`)
  t.same(issues(over), [[1, 'line_too_long', '']], 'one byte over: only line_too_long')
  t.match(over.errors[0].message, /8,388,609 bytes long; the limit is 8,388,608/)
  t.equal(over.stats.conversations, 1, 'the next line is still read')
  const under = await check(`${line(limit - 1)}\r\n`, { contextLimit: 10_000_000 })
  t.same(issues(under), [], 'one byte under')
  const huge = await check(`${'x'.repeat(9 * 1024 * 1024)}\n${ok('y')}`, { chunkSize: 100_000 })
  t.same(issues(huge), [[1, 'line_too_long', '']], 'a 9 MiB line of garbage is only too long')
  const small = await check(`${ok('a')}\n${ok('bb')}\n`, { maxLineBytes: Buffer.byteLength(ok('a')) })
  t.same(issues(small), [[2, 'line_too_long', '']], 'the limit is configurable')
  const eofCr = await check(`${ok('a')}\r`, { maxLineBytes: Buffer.byteLength(ok('a')) })
  t.same(issues(eofCr), [[1, 'line_too_long', '']], 'a \\r with no \\n after it is content and counts')
})

t.test('chunk boundaries never change the result', async t => {
  const text = `${BOM}${ok('a')}\r\n\n${ok('b')}\r\n  \r\nnot json\r\n${ok('a')}`
  const whole = await check(text)
  for (const chunkSize of [1, 2, 3, 7, 64]) {
    t.same(await check(text, { chunkSize }), whole, `chunks of ${chunkSize}`)
  }
})
