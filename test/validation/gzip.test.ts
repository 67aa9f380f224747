import t from 'tap'
import { gzipSync } from 'node:zlib'
import { check, issues, ok } from './support.js'

const plain = [ok('a'), ok('b'), ok('c')].join('\n') + '\n'

t.test('gzip is detected by its magic bytes and read while it streams', async t => {
  const gz = gzipSync(plain)
  const report = await check(gz, { chunkSize: 7 })
  const reference = await check(plain)
  t.equal(report.outcome, 'ready')
  t.same(report.stats, { ...reference.stats, bytes: gz.length }, 'same result; bytes is the stored (compressed) size')
  t.same(report.counts, {})
})

t.test('concatenated members are read as one stream', async t => {
  const members = Buffer.concat([gzipSync(ok('a') + '\n' + ok('b').slice(0, 10)), gzipSync(ok('b').slice(10) + '\n'), gzipSync(''), gzipSync(ok('c') + '\n')])
  for (const chunkSize of [1, 5, 64 * 1024]) {
    const report = await check(members, { chunkSize })
    t.equal(report.outcome, 'ready', `chunks of ${chunkSize}`)
    t.equal(report.stats.conversations, 3, 'a line split across members is one line')
    t.equal(report.stats.lines, 3)
  }
})

t.test('a gzip file with header fields (name, comment, extra) is read', async t => {
  const body = gzipSync(plain)
  const header = Buffer.from([0x1f, 0x8b, 8, 4 | 8 | 16, 0, 0, 0, 0, 0, 3])
  const extra = Buffer.from([4, 0, 1, 2, 3, 4])
  const withFields = Buffer.concat([header, extra, Buffer.from('data.jsonl\0'), Buffer.from('a comment\0'), body.subarray(10)])
  const report = await check(withFields, { chunkSize: 3 })
  t.equal(report.outcome, 'ready')
  t.equal(report.stats.conversations, 3)
})

t.test('corrupt, truncated or followed by garbage: invalid_gzip on line 0, after the lines before it', async t => {
  const gz = gzipSync(plain)
  const garbage = await check(Buffer.concat([gz, Buffer.from('this is not gzip')]))
  t.equal(garbage.outcome, 'error')
  t.same(issues(garbage), [[0, 'invalid_gzip', '']])
  t.equal(garbage.stats.conversations, 3, 'the lines decoded before the fault were checked')
  t.match(garbage.errors[0].message, /followed by data that is not gzip/)

  const zeros = await check(Buffer.concat([gz, Buffer.alloc(16)]))
  t.same(issues(zeros), [[0, 'invalid_gzip', '']], 'trailing zero bytes are garbage too')

  const truncated = await check(gz.subarray(0, gz.length - 4))
  t.same(issues(truncated), [[0, 'invalid_gzip', '']], 'cut inside the trailer')
  t.match(truncated.errors[0].message, /truncated/)

  const big = gzipSync(Array.from({ length: 2000 }, (_, i) => ok(`id-${i}`)).join('\n') + '\n')
  const cut = await check(big.subarray(0, Math.floor(big.length / 2)), { chunkSize: 1024 })
  t.equal(cut.outcome, 'error')
  const last = cut.errors[cut.errors.length - 1]
  t.same([last.line, last.code], [0, 'invalid_gzip'], 'invalid_gzip comes last')
  t.match(last.message, /truncated/)
  t.ok(cut.stats.conversations > 100, `lines before the cut were checked (${cut.stats.conversations})`)

  const corrupt = Buffer.from(big)
  for (let i = 2000; i < 2100; i++) corrupt[i] ^= 0x55
  const broken = await check(corrupt, { chunkSize: 1024 })
  t.equal(broken.outcome, 'error')
  t.equal(broken.counts.invalid_gzip, 1)
  t.ok(broken.stats.lines > 0, 'lines before the damage were read')

  const crc = Buffer.from(gz)
  crc[crc.length - 8] ^= 0xff
  const badCrc = await check(crc)
  t.same(issues(badCrc), [[0, 'invalid_gzip', '']], 'a wrong CRC-32 is caught')
  t.match(badCrc.errors[0].message, /CRC-32/)

  const onlyHeader = await check(gz.subarray(0, 5))
  t.same(issues(onlyHeader), [[0, 'invalid_gzip', '']], 'no empty_file on top of a broken gzip')
})

t.test('a gzip bomb of blank lines streams in bounded memory', async t => {
  // 1 GiB of newlines compresses to about 1 MiB; the reader never holds more than a chunk.
  const blankChunk = gzipSync(Buffer.alloc(16 * 1024 * 1024, 0x0a), { level: 9 })
  const bomb = Buffer.concat(Array.from({ length: 64 }, () => blankChunk))
  const before = process.memoryUsage().rss
  const report = await check(Buffer.concat([bomb, gzipSync(ok('z') + '\n')]))
  const grown = process.memoryUsage().rss - before
  t.equal(report.stats.lines, 1024 * 1024 * 1024 + 1)
  t.equal(report.counts.blank_line, 1024 * 1024 * 1024)
  t.equal(report.warnings.length, 100)
  t.equal(report.stats.conversations, 1)
  t.ok(grown < 200 * 1024 * 1024, `memory grew by ${Math.round(grown / 1048576)} MiB`)
})
