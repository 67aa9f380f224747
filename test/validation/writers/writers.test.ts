import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { detectFormat, type Conversation } from '../../../src/validation/index.js'
import { jsonLine, NotWritable, readWritable, writerFor, type ExportFormat, type WritableRecord } from '../../../src/validation/writers/index.js'
import { check } from '../support.js'

const FIXTURES = new URL('../../fixtures/formats/', import.meta.url)

function linesOf (text: string): Buffer[] {
  return text.split('\n').filter(line => line.trim() !== '').map(line => Buffer.from(line))
}

/** Every record of a file, read into the turn model by the file's format. */
function readAll (text: string): WritableRecord[] {
  const lines = linesOf(text)
  const format = detectFormat(JSON.parse(lines[0].toString()))
  return lines.map((bytes, i) => {
    const record = readWritable(i + 1, bytes, format)
    if (record === null) throw new Error(`line ${i + 1} did not read: ${bytes.toString()}`)
    return record
  })
}

function write (records: WritableRecord[], format: ExportFormat): string {
  const writer = writerFor(format)
  return records.map(record => jsonLine(writer.write(record))).join('')
}

/** What training sees of a conversation: call ids are names only (ShareGPT has none). */
function trained (conversation: Conversation) {
  return {
    text: conversation.text,
    tools: conversation.tools,
    turns: conversation.turns.map(turn => ({
      role: turn.role, content: turn.content, reasoning: turn.reasoning, weight: turn.weight,
      calls: turn.tool_calls?.map(call => [call.name, call.arguments]) ?? null
    }))
  }
}

const native = [
  { conversation_id: 'c-1', turns: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] },
  { conversation_id: 7, turns: [{ role: 'user', content: 'Two\nlines  ' }, { role: 'assistant', content: 'Yes' }, { role: 'user', content: 'ünïcødé 😀' }, { role: 'assistant', content: 'ok' }] }
].map(record => JSON.stringify(record)).join('\n') + '\n'

async function roundTrip (t: Test, name: string, text: string, via: ExportFormat, back: ExportFormat) {
  const source = readAll(text)
  const middle = write(source, via)
  const middleReport = await check(middle)
  t.equal(middleReport.outcome, 'ready', `${name} as ${via} validates: ${JSON.stringify(middleReport.errors.slice(0, 2))}`)
  t.equal(middleReport.stats.format, via)
  const returned = write(readAll(middle), back)
  const backReport = await check(returned)
  t.equal(backReport.outcome, 'ready', `${name} → ${via} → ${back} validates`)
  t.same(readAll(returned).map(r => trained(r.conversation)), source.map(r => trained(r.conversation)), `${name} → ${via} → ${back}: the same turns`)
  // Native needs an id: a record without one gets `line-<N>`.
  const ids = source.map(r => r.id ?? (via === 'native' || back === 'native' ? `line-${r.line}` : null))
  t.same(readAll(returned).map(r => r.id), ids, 'the same ids')
}

t.test('round trips, both ways per pair', async t => {
  const chat = readFileSync(new URL('openai-chat.jsonl', FIXTURES), 'utf8')
  const fastchat = readFileSync(new URL('sharegpt-fastchat.jsonl', FIXTURES), 'utf8')
  const sharegptTools = readFileSync(new URL('sharegpt-tools.jsonl', FIXTURES), 'utf8')
  const alpaca = readFileSync(new URL('alpaca.jsonl', FIXTURES), 'utf8')
  await roundTrip(t, 'native', native, 'openai', 'native')
  await roundTrip(t, 'openai', chat, 'native', 'openai')
  await roundTrip(t, 'openai', chat, 'sharegpt', 'openai')
  await roundTrip(t, 'sharegpt', fastchat, 'openai', 'sharegpt')
  await roundTrip(t, 'sharegpt (tools)', sharegptTools, 'openai', 'sharegpt')
  await roundTrip(t, 'native', native, 'sharegpt', 'native')
  await roundTrip(t, 'sharegpt', fastchat, 'native', 'sharegpt')
  await roundTrip(t, 'alpaca', alpaca, 'openai', 'alpaca')
})

t.test('openai keeps tool calls, reasoning, weight 0 and tools exactly', async t => {
  const tools = readFileSync(new URL('openai-tools.jsonl', FIXTURES), 'utf8')
  const source = readAll(tools)
  const again = write(source, 'openai')
  t.equal((await check(again)).outcome, 'ready')
  const reread = readAll(again)
  t.same(reread.map(r => trained(r.conversation)), source.map(r => trained(r.conversation)), 'the turn model')
  // A legacy `function` answer (no id) becomes a tool message answering the call made for it.
  t.same(reread.map((r, i) => r.conversation.turns.map((turn, k) => source[i].conversation.turns[k].tool_call_id === null ? null : turn.tool_call_id)),
    source.map(r => r.conversation.turns.map(turn => turn.tool_call_id)), 'tool_call_ids kept')
  t.match(again, /"id":"call_1","type":"function"/, 'call ids kept')
  t.match(again, /"weight":0/, 'weight 0 is written')
  t.match(again, /"reasoning_content"/)
})

t.test('sharegpt → openai: calls get ids and observations answer them in order', async t => {
  const record: WritableRecord = {
    line: 3,
    id: null,
    conversation: {
      tools: null,
      text: null,
      turns: [
        { role: 'user', content: 'q', tool_calls: null, reasoning: null, weight: 1, tool_call_id: null },
        { role: 'assistant', content: '', tool_calls: [{ id: null, name: 'a', arguments: '{}' }, { id: null, name: 'b', arguments: '{"x":1}' }], reasoning: null, weight: 1, tool_call_id: null },
        { role: 'tool', content: 'A', tool_calls: null, reasoning: null, weight: 1, tool_call_id: null },
        { role: 'tool', content: 'B', tool_calls: null, reasoning: null, weight: 1, tool_call_id: null },
        { role: 'assistant', content: 'done', tool_calls: null, reasoning: null, weight: 1, tool_call_id: null }
      ]
    }
  }
  const out = writerFor('openai').write(record) as { messages: Array<Record<string, unknown>> }
  t.same(out.messages[1].tool_calls, [
    { id: 'call_1_0', type: 'function', function: { name: 'a', arguments: '{}' } },
    { id: 'call_1_1', type: 'function', function: { name: 'b', arguments: '{"x":1}' } }
  ])
  t.equal(out.messages[2].tool_call_id, 'call_1_0')
  t.equal(out.messages[3].tool_call_id, 'call_1_1')
  t.equal((await check(jsonLine(out))).outcome, 'ready')
  const sharegpt = writerFor('sharegpt').write(record) as { conversations: Array<{ from: string, value: string }> }
  t.same(sharegpt.conversations.map(c => c.from), ['human', 'function_call', 'function_call', 'observation', 'observation', 'gpt'])
  t.equal(sharegpt.conversations[2].value, '{"name":"b","arguments":{"x":1}}', 'compact arguments are written as an object, as LLaMA-Factory does')
})

t.test('refusals name the record and say why', async t => {
  const tools = readAll(readFileSync(new URL('openai-tools.jsonl', FIXTURES), 'utf8'))
  try {
    writerFor('native').write(tools[0])
    t.fail('native cannot hold tool calls')
  } catch (error) {
    t.ok(error instanceof NotWritable && error.line === 1 && /declares tools/.test(error.message), (error as Error).message)
  }
  t.throws(() => writerFor('sharegpt').write(tools[1]), /Line 2 cannot be written as sharegpt: turn 1 is a weight-0 assistant turn/)
  const multi = readAll(JSON.stringify({ messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'assistant', content: 'c' }] }) + '\n')[0]
  t.throws(() => writerFor('alpaca').write(multi), /Line 1 cannot be written as alpaca: turn 1 is user, where alpaca needs the assistant's answer/)
  const unanswered = readAll(JSON.stringify({ messages: [{ role: 'user', content: 'a' }] }) + '\n')[0]
  t.throws(() => writerFor('alpaca').write(unanswered), /has no assistant answer/)
  t.throws(() => writerFor('text').write(multi), /needs a model's chat template/)
  const text = readAll('{"text": "plain"}\n')[0]
  t.same(writerFor('text').write(text), { text: 'plain' })
  t.throws(() => writerFor('openai').write(text), /a text record has no messages/)
})

t.test('text renders conversations with the given template', async t => {
  const [record] = readAll(native)
  const render = (conversation: Conversation) => conversation.turns.map(turn => `<${turn.role}>${turn.content}`).join('')
  const out = writerFor('text', render).write(record)
  t.same(out, { conversation_id: 'c-1', text: '<system>Be kind.<user>Hi<assistant>Hello!' })
  t.equal((await check(jsonLine(out))).outcome, 'ready')
  t.throws(() => writerFor('text', () => { throw new Error('roles must alternate') }).write(record), /the chat template refuses it \(roles must alternate\)/)
})

t.test('native gives records without an id one from their line', async t => {
  const [record] = readAll(JSON.stringify({ messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] }) + '\n')
  t.same(writerFor('native').write({ ...record, line: 42 }), { conversation_id: 'line-42', turns: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }] })
})

t.test('lines with errors are not read for writing', async t => {
  t.equal(readWritable(1, Buffer.from('{"turns": []}'), 0), null, 'native without id, empty turns')
  t.equal(readWritable(1, Buffer.from('not json'), 0), null)
  t.equal(readWritable(1, Buffer.from('{"messages": [{"role": "user", "content": "a"}]}'), 0), null, 'another format than the file\'s')
  t.equal(readWritable(1, Buffer.from([0xff, 0x7b]), 0), null)
  t.not(readWritable(1, Buffer.from('{"conversation_id": "a", "turns": [{"role": "user", "content": "a"}]}'), 0), null)
})
