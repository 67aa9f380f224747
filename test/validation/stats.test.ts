import t from 'tap'
import { createReadStream, readFileSync } from 'node:fs'
import { get_encoding } from 'tiktoken'
import { validate } from '../../src/validation/index.js'
import { check, record, turn } from './support.js'

const FIXTURE = new URL('../fixtures/multilingual.jsonl', import.meta.url)

t.test('statistics of a known file', async t => {
  const text = [
    record('a', [turn('system', 'Be brief.'), turn('user', 'Hi'), turn('assistant', 'Hello'), turn('assistant', 'Anything else?')]),
    record('b', [turn('assistant', 'I speak first'), turn('user', 'ok'), turn('assistant', 'good')]),
    record('c', [turn('user', 'call the tool'), turn('tool', '{"r": 1}')]),
    'broken line',
    ''
  ].join('\n') + '\n'
  const report = await check(text)
  const s = report.stats
  t.equal(s.conversations, 3, 'lines without errors')
  t.equal(s.turns, 9)
  t.equal(s.avg_turns, 3)
  t.equal(s.training_pairs, 3, 'assistant turns with a user turn before them')
  t.same(s.role_counts, { system: 1, user: 3, assistant: 4, tool: 1 }, 'all four roles listed')
  t.equal(s.lines, 5)
  t.equal(s.bytes, Buffer.byteLength(text))
  const enc = get_encoding('o200k_base')
  const count = (text: string) => enc.encode_ordinary(text).length
  const a = count('Be brief.') + count('Hi') + count('Hello') + count('Anything else?')
  const b = count('I speak first') + count('ok') + count('good')
  const c = count('call the tool') + count('{"r": 1}')
  t.equal(s.tokens, a + b + c, 'exact token sum')
  t.equal(s.assistant_tokens, count('Hello') + count('Anything else?') + count('I speak first') + count('good'))
  const sorted = [a, b, c].sort((x, y) => x - y)
  t.same(s.tokens_per_conversation, { min: sorted[0], p50: sorted[1], p95: sorted[2], max: sorted[2] })
  t.equal(s.tokens_histogram.reduce((sum, bin) => sum + bin.count, 0), 3, 'the histogram holds every conversation')
  t.equal(report.outcome, 'error')
  enc.free()
})

t.test('avg_turns rounds half up to 2 decimals, exactly', async t => {
  const lines: string[] = []
  for (let i = 0; i < 199; i++) lines.push(record(i, [turn('user', `q${i}`), turn('assistant', 'a')]))
  lines.push(record('x', [turn('user', 'q'), turn('assistant', 'a'), turn('user', 'again')]))
  const report = await check(lines.join('\n'))
  t.equal(report.stats.turns, 401)
  t.equal(report.stats.avg_turns, 2.01, '401 / 200 = 2.005 → 2.01')
  const thirds = await check([record(1, [turn('user', 'a'), turn('assistant', 'b')]), record(2, [turn('user', 'c'), turn('assistant', 'd')]),
    record(3, [turn('user', 'e'), turn('assistant', 'f'), turn('user', 'g'), turn('assistant', 'h')])].join('\n'))
  t.equal(thirds.stats.avg_turns, 2.67, '8 / 3')
  const empty = await check('\n')
  t.equal(empty.stats.avg_turns, 0)
  t.same(empty.stats.tokens_per_conversation, { min: 0, p50: 0, p95: 0, max: 0 })
  t.same(empty.stats.tokens_histogram, [])
})

t.test('percentiles are nearest-rank', async t => {
  const lines = Array.from({ length: 20 }, (_, i) => record(i, [turn('user', 'x'), turn('assistant', ' y'.repeat(i))]))
  const report = await check(lines.join('\n'))
  // token counts are 1 + i for i in 0..19 (" y" is one token), so values 1..20
  t.same(report.stats.tokens_per_conversation, { min: 1, p50: 10, p95: 19, max: 20 })
})

t.test('token counts equal tiktoken (o200k_base and cl100k_base) on the multilingual fixture', async t => {
  const texts: Array<{ role: string, content: string }[]> = readFileSync(FIXTURE, 'utf8').trim().split('\n').map(line => JSON.parse(line).turns)
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    const enc = get_encoding(name)
    let tokens = 0
    let assistant = 0
    for (const turns of texts) {
      for (const { role, content } of turns) {
        const n = enc.encode_ordinary(content).length
        tokens += n
        if (role === 'assistant') assistant += n
      }
    }
    enc.free()
    const report = await validate(createReadStream(FIXTURE), { tokenizer: name })
    t.equal(report.outcome, 'ready', name)
    t.equal(report.stats.tokens, tokens, `${name}: tokens`)
    t.equal(report.stats.assistant_tokens, assistant, `${name}: assistant tokens`)
  }
})

t.test('the counter equals tiktoken on the corners of pre-tokenising', async t => {
  const { loadTokenizer } = await import('../../src/validation/index.js')
  const samples = ['', 'a', ' ', '<|endoftext|>', 'x<|im_start|>y<|im_end|>', '<|fim_prefix|><|endofprompt|>', "don't WE'LL it's",
    '\r\n\r\n  \n\t', '123456789 3.14159', '🚀🔥 emoji 👩‍👩‍👧', 'Ünïcødé Ωmega', '中文 日本語 한국어', 'a\u0000b', '\ufffd\ufffd']
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    const enc = get_encoding(name)
    const tokenizer = await loadTokenizer(name)
    for (const text of samples) t.equal(tokenizer.count(text), enc.encode_ordinary(text).length, `${name}: ${JSON.stringify(text)}`)
    t.equal(tokenizer.count(samples.join(' ')), enc.encode_ordinary(samples.join(' ')).length, `${name}: all together`)
    enc.free()
  }
})

t.test('long pieces: exact counts without quadratic time', async t => {
  const enc = get_encoding('o200k_base')
  for (const content of ['a'.repeat(12_000), ' '.repeat(12_000), '中文'.repeat(4_000), 'xy'.repeat(6_000)]) {
    const report = await check(record('l', [turn('user', content), turn('assistant', 'ok')]) + '\n', { contextLimit: 1_000_000 })
    t.equal(report.stats.tokens, enc.encode_ordinary(content).length + enc.encode_ordinary('ok').length, `${content.slice(0, 2)}… × ${content.length}`)
  }
  enc.free()
  const huge = await check(record('h', [turn('user', 'a'.repeat(2_000_000)), turn('assistant', 'ok')]) + '\n', { contextLimit: 10_000_000 })
  t.equal(huge.stats.tokens, 250_001, 'a 2 MB word is counted (8 letters a token)')
})

t.test('worker threads give the same report as the calling thread', async t => {
  const lines: string[] = []
  for (let i = 0; i < 12000; i++) {
    if (i % 97 === 0) lines.push('')
    if (i % 89 === 0) lines.push('{"broken": ')
    if (i % 83 === 0) lines.push(record(i % 500, [turn('user', 'dup')]))
    lines.push(record(`c${i}`, [turn('system', 'Sys'), turn('user', `Question ${i} 用中文 ${'word '.repeat(i % 50)}`), turn('assistant', `Answer ${i % 300}`)]))
  }
  const text = lines.join('\r\n')
  t.ok(Buffer.byteLength(text) > 2 * 1024 * 1024, 'several batches')
  const single = await check(text, { chunkSize: 100_000 })
  const threaded = await check(text, { chunkSize: 100_000, threads: 2 })
  t.same(threaded, single)
  t.ok(single.counts.duplicate_conversation! > 0 && single.counts.invalid_json! > 0 && single.counts.blank_line! > 0)
})

t.test('an 8 MiB line of 200,000 turns fits the worker threads\' heap limits', async t => {
  const turns = Array.from({ length: 200_000 }, (_, i) => turn(i % 2 ? 'assistant' : 'user', `hi ${i}`))
  const big = record('big', turns)
  t.ok(Buffer.byteLength(big) > 7 * 1024 * 1024 && Buffer.byteLength(big) < 8 * 1024 * 1024, `${Buffer.byteLength(big)} bytes`)
  const text = [record('a', [turn('user', 'q'), turn('assistant', 'a')]), big, record('b', [turn('user', 'q2'), turn('assistant', 'a2')])].join('\n') + '\n'
  const threaded = await check(text, { threads: 2, contextLimit: 10_000_000 })
  t.equal(threaded.outcome, 'ready', 'no worker ran out of memory')
  t.equal(threaded.stats.turns, 200_004)
  t.same(threaded, await check(text, { contextLimit: 10_000_000 }), 'and the same report as one thread')
})
