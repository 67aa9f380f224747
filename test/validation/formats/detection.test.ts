import t from 'tap'
import { check, issues, ok, record, turn } from '../support.js'

const line = (value: unknown) => JSON.stringify(value) + '\n'
const openai = (q = 'Hi') => ({ messages: [{ role: 'user', content: q }, { role: 'assistant', content: 'Hello!' }] })
const sharegpt = (q = 'Hi') => ({ conversations: [{ from: 'human', value: q }, { from: 'gpt', value: 'Hello!' }] })
const alpaca = (q = 'Hi') => ({ instruction: q, output: 'Hello!' })

t.test('the recognising keys, checked in the contract\'s order', async t => {
  const cases: Array<[unknown, string]> = [
    [{ conversation_id: 'a', turns: [turn('user', 'q'), turn('assistant', 'a')], messages: 1, text: 'x' }, 'native'],
    [{ messages: openai().messages, conversations: 1, instruction: 'x' }, 'openai'],
    [{ conversations: sharegpt().conversations, prompt: 'p', completion: 'c' }, 'sharegpt'],
    [{ prompt: 'p', completion: 'c', instruction: 'i', text: 't' }, 'prompt_completion'],
    [{ instruction: 'i', output: 'o', text: 't', prompt: 'p' }, 'alpaca'],
    [{ text: 't', prompt: 'p' }, 'text']
  ]
  for (const [value, format] of cases) t.equal((await check(line(value))).stats.format, format, format)
  t.equal((await check(line({ a: 1 }))).stats.format, 'native', 'no recognising key: native, with the v1 issues')
  t.same(issues(await check(line({ a: 1 }))), [[1, 'missing_conversation_id', 'conversation_id'], [1, 'missing_turns', 'turns']])
  t.equal((await check('')).stats.format, 'native', 'an empty file is native')
  t.same(issues(await check(line({ __proto__: null, toString: 1, constructor: 2 }).replace('{', '{"__proto__": {"messages": []},'))), [[1, 'missing_conversation_id', 'conversation_id'], [1, 'missing_turns', 'turns']],
    'keys of a nested __proto__ object recognise nothing')
})

t.test('mixed_formats: a record of another format, and nothing else said about it', async t => {
  const report = await check([line(openai()), line(sharegpt()), line({ turns: 'x', conversation_id: 1.5 }), line(openai('again'))].join(''))
  t.same(issues(report), [[2, 'mixed_formats', ''], [3, 'mixed_formats', '']])
  t.match(report.errors[0].message, /in the sharegpt format, but the file's format is openai \(from line 1\)/)
  t.equal(report.stats.format, 'openai')
  t.equal(report.stats.conversations, 2)
})

t.test('a format that appears only after invalid lines, blank lines and unrecognised records', async t => {
  const text = ['not json', '', '[1]', line({ id: 'x' }).trim(), line({ output: 5 }).trim(), '\u00ff', line(sharegpt()).trim(), line({ other: 1 }).trim(), line(openai()).trim()].join('\n') + '\n'
  const expected = [
    [1, 'invalid_json', ''], [3, 'not_an_object', ''], [4, 'missing_turns', 'conversations'], [5, 'missing_turns', 'conversations'], [6, 'invalid_json', ''],
    [8, 'missing_turns', 'conversations'], [9, 'mixed_formats', ''], [2, 'blank_line', '']
  ]
  for (const threads of [1, 2]) {
    for (const chunkSize of [3, 64 * 1024]) {
      const report = await check(text, { threads, chunkSize, settings: { batchBytes: 16 } })
      t.same(issues(report), expected, `${threads} thread(s), chunks of ${chunkSize}: the earlier lines get the sharegpt issues`)
      t.equal(report.stats.format, 'sharegpt')
      t.same(report.counts, { invalid_json: 2, blank_line: 1, not_an_object: 1, missing_turns: 3, mixed_formats: 1 })
    }
  }
  const ids = await check(line({ id: 'x' }) + line({ conversation_id: 'x' }) + line({ ...alpaca(), id: 'x' }), { threads: 2, settings: { batchBytes: 16 } })
  t.same(issues(ids), [[1, 'missing_content', 'instruction'], [1, 'missing_content', 'output'], [2, 'missing_content', 'instruction'], [2, 'missing_content', 'output'],
    [2, 'duplicate_conversation_id', 'conversation_id'], [3, 'duplicate_conversation_id', 'id']], 'ids of the lines before the format are tracked under its rules')
})

t.test('many unrecognised lines before the format: worker threads give the same report', async t => {
  const lines: string[] = []
  for (let i = 0; i < 3000; i++) lines.push(line(i % 7 === 0 ? { conversation_id: `c${i % 50}` } : { note: i }))
  for (let i = 0; i < 3000; i++) lines.push(line(i % 11 === 0 ? { id: i } : alpaca(`q${i % 2000}`)))
  const text = lines.join('')
  const single = await check(text)
  const threaded = await check(text, { threads: 2, settings: { batchBytes: 4096 } })
  t.same(threaded, single)
  t.equal(single.stats.format, 'alpaca')
  t.ok(single.counts.duplicate_conversation_id! > 0 && single.counts.duplicate_conversation! > 0)
})

t.test('duplicate conversations compare the turns, whatever format wrote them', async t => {
  const sameTurns = [
    line({ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }] }),
    line({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Q' }] }, { role: 'assistant', content: 'A', weight: 1, extra: true }] }),
    line({ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A', reasoning_content: 'r' }] }),
    line({ messages: [{ role: 'developer', content: 'Q' }, { role: 'assistant', content: 'A' }] }),
    line({ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'a', content: '1' }] }),
    line({ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'b', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'b', content: '1' }] }),
    line({ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'b', type: 'function', function: { name: 'f', arguments: '{ }' } }] }, { role: 'tool', tool_call_id: 'b', content: '1' }] })
  ]
  t.same(issues(await check(sameTurns.join(''))).filter(([, code]) => code === 'duplicate_conversation'),
    [[2, 'duplicate_conversation', 'messages'], [3, 'duplicate_conversation', 'messages'], [6, 'duplicate_conversation', 'messages']],
    'text parts, weight and reasoning do not matter; developer is system; a call\'s id does not matter, its arguments do')
  const alpacaDup = await check(line({ instruction: 'Q', input: 'more', output: 'A' }) + line({ instruction: 'Q\nmore', output: 'A' }) + line({ instruction: 'Q', output: 'A', system: 'S' }))
  t.same(issues(alpacaDup), [[2, 'duplicate_conversation', '']], 'instruction + input read into the same user turn')
  const sharegptDup = await check(line({ system: 'S', conversations: [{ from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }] }) +
    line({ conversations: [{ from: 'system', value: 'S' }, { from: 'user', value: 'Q' }, { from: 'assistant', value: 'A' }] }))
  t.same(issues(sharegptDup), [[2, 'duplicate_conversation', 'conversations']], 'the system field and a system turn are the same turn')
  const nativeDup = await check(ok('a') + '\n' + record('b', [turn('user', 'Hi "a"'), turn('assistant', 'Hello!')]) + '\n')
  t.same(issues(nativeDup), [[2, 'duplicate_conversation', 'turns']])
})
