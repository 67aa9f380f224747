import t from 'tap'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { readRecords, RECORDS_PAGE_BYTES } from '../../src/datasets/records.js'

const stream = (text: string | Buffer) => ({ stream: () => Readable.from([typeof text === 'string' ? Buffer.from(text) : text]) })
const plain = { tool_calls: null, reasoning: null, weight: 1, tool_call_id: null }
const lines = [
  { conversation_id: 'n1', turns: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] },
  { id: 'o1', messages: [{ role: 'developer', content: 'S' }, { role: 'user', content: [{ type: 'text', text: 'Q' }] }, { role: 'assistant', content: null, reasoning_content: 'r', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c', content: '1' }, { role: 'assistant', content: 'A', weight: 0 }], tools: [{ type: 'function', function: { name: 'f' } }] },
  { conversations: [{ from: 'human', value: 'Q' }, { from: 'function_call', value: '{"name": "f", "arguments": {"a": 1}}' }, { from: 'observation', value: '1' }, { from: 'gpt', value: 'A' }], system: 'S' },
  { instruction: 'Q', input: 'more', output: 'A' },
  { text: 'plain' },
  { misc: 1 }
].map(value => JSON.stringify(value)).join('\n') + '\nnot json\n'

t.test('every format read into the turn model', async t => {
  const { records, next_offset: next } = await readRecords(stream(lines), 0, 20)
  t.equal(next, null)
  t.same(records[0], { line: 1, conversation_id: 'n1', format: 'native', turns: [{ role: 'user', content: 'Q', ...plain }, { role: 'assistant', content: 'A', ...plain }] })
  t.same(records[1], {
    line: 2,
    conversation_id: 'o1',
    format: 'openai',
    turns: [
      { role: 'system', content: 'S', ...plain },
      { role: 'user', content: 'Q', ...plain },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c', name: 'f', arguments: '{}' }], reasoning: 'r', weight: 1, tool_call_id: null },
      { role: 'tool', content: '1', tool_calls: null, reasoning: null, weight: 1, tool_call_id: 'c' },
      { role: 'assistant', content: 'A', tool_calls: null, reasoning: null, weight: 0, tool_call_id: null }
    ],
    tools: [{ type: 'function', function: { name: 'f' } }]
  })
  t.same(records[2].turns, [
    { role: 'system', content: 'S', ...plain }, { role: 'user', content: 'Q', ...plain },
    { role: 'assistant', content: '', tool_calls: [{ id: null, name: 'f', arguments: '{"a":1}' }], reasoning: null, weight: 1, tool_call_id: null },
    { role: 'tool', content: '1', ...plain }, { role: 'assistant', content: 'A', ...plain }
  ])
  t.equal(records[2].format, 'sharegpt')
  t.same(records[3].turns, [{ role: 'user', content: 'Q\nmore', ...plain }, { role: 'assistant', content: 'A', ...plain }])
  t.match(records[4], { format: 'text', turns: [], text: 'plain' })
  t.match(records[5], { line: 6, format: null, turns: null, conversation_id: null })
  t.same(records[6], { line: 7, conversation_id: null, format: null, turns: null, raw: 'not json' })
})

t.test('the file\'s format reads records with no recognising key; raw on request; gzip; pages', async t => {
  const { records } = await readRecords(stream(lines), 5, 1, { format: 'openai', raw: true })
  t.same(records, [{ line: 6, conversation_id: null, format: 'openai', turns: null, raw: { misc: 1 } }])
  const partial = (await readRecords(stream(JSON.stringify({ messages: [{ role: 'user', content: 'Q' }, { role: 'bot', content: 'x' }, 3] }) + '\n'), 0, 5)).records[0]
  t.same(partial.turns, [{ role: 'user', content: 'Q', ...plain }], 'a record with errors shows the turns that could be read')
  const constructor = (await readRecords(stream('{"__proto__": {"turns": [{"role": "user", "content": "x"}]}}\n'), 0, 5, { format: 'constructor' })).records[0]
  t.match(constructor, { format: null, turns: null }, 'a format name from outside that is no format')
  const zipped = await readRecords(stream(gzipSync(lines)), 1, 2)
  t.same(zipped.records.map(r => r.line), [2, 3])
  t.equal(zipped.next_offset, 3)
})

t.test('a page of long lines ends at its byte cap, and the next page goes on from there', async t => {
  const long = (i: number, bytes: number) => JSON.stringify({ conversation_id: `l${i}`, turns: [{ role: 'user', content: 'x'.repeat(bytes) }, { role: 'assistant', content: 'A' }] })
  const small = Array.from({ length: 10 }, (_, i) => long(i, 1000)).join('\n') + '\n'
  const first = await readRecords(stream(small), 0, 20, { maxPageBytes: 2500 })
  t.same(first.records.map(r => r.line), [1, 2, 3], 'three lines of about 1 KB reach 2,500 bytes')
  t.equal(first.next_offset, 3)
  const second = await readRecords(stream(small), first.next_offset!, 20, { maxPageBytes: 2500 })
  t.same(second.records.map(r => r.line), [4, 5, 6])
  const big = Array.from({ length: 20 }, (_, i) => long(i, 1024 * 1024)).join('\n') + '\n'
  const capped = await readRecords(stream(big), 0, 100)
  t.equal(capped.records.length, Math.ceil(RECORDS_PAGE_BYTES / (1024 * 1024 + 100)), 'lines of 1 MiB: a page holds 16 MiB of them, not 100')
  t.equal(capped.next_offset, capped.records.length)
})
