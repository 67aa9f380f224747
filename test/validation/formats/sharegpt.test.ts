import t from 'tap'
import { get_encoding } from 'tiktoken'
import { check, issues } from '../support.js'

const line = (record: unknown) => JSON.stringify(record) + '\n'
const human = (value: unknown = 'Hi') => ({ from: 'human', value })
const gpt = (value: unknown = 'Hello!') => ({ from: 'gpt', value })
const fnCall = (value: unknown) => ({ from: 'function_call', value })
const TOOLS = JSON.stringify([{ name: 'convert', parameters: { type: 'object' } }])

async function found (record: unknown): Promise<Array<[string, string]>> {
  return issues(await check(line(record))).map(([, code, path]) => [code as string, path as string])
}

t.test('conversations: missing, not an array, empty', async t => {
  const missing = await check(line({ conversations: [human(), gpt()] }) + line({ id: 'x' }))
  t.same(issues(missing), [[2, 'missing_turns', 'conversations']])
  t.same(await found({ conversations: 'x' }), [['invalid_turns', 'conversations']])
  t.same(await found({ conversations: [] }), [['invalid_turns', 'conversations']])
  t.same(await found({ id: 'identity_0', conversations: [human(), gpt()] }), [])
})

t.test('from values: every name of the contract, and only those', async t => {
  const report = await check(line({ conversations: [{ from: 'system', value: 'S' }, { from: 'user', value: 'U' }, { from: 'assistant', value: 'A' }, human(), gpt(), { from: 'tool', value: 'T' }, human('again'), gpt('bye')] }))
  t.same(report.stats.role_counts, { system: 1, user: 3, assistant: 3, tool: 1 })
  t.same(issues(report), [])
  t.same(await found({ conversations: [human(), { from: 'user', value: 'more' }, gpt(), { from: 'assistant', value: 'more' }] }),
    [['consecutive_roles', 'conversations[1]'], ['consecutive_roles', 'conversations[3]']], 'human then user is two user turns in a row')
  t.same(await found({ conversations: [{ value: 'x' }, gpt()] }), [['missing_role', 'conversations[0].from']])
  t.same(await found({ conversations: [{ from: null, value: 'x' }, gpt()] }), [['missing_role', 'conversations[0].from']])
  t.same(await found({ conversations: [{ from: 'bot', value: 'x' }, gpt()] }), [['unknown_role', 'conversations[0].from']])
  t.same(await found({ conversations: [{ from: 'Human', value: 'x' }, gpt()] }), [['unknown_role', 'conversations[0].from']], 'case matters')
  t.same(await found({ conversations: [{ from: 'human' }, gpt()] }), [['missing_content', 'conversations[0].value']])
  t.same(await found({ conversations: [human(['x']), gpt()] }), [['missing_content', 'conversations[0].value']])
  t.same(await found({ conversations: [human(''), gpt()] }), [['empty_content', 'conversations[0].value']])
  t.same(await found({ conversations: ['x', gpt()] }), [['invalid_turn', 'conversations[0]']])
})

t.test('function_call and observation turns, tools', async t => {
  const enc = get_encoding('o200k_base')
  const call = { name: 'convert', arguments: { amount: 5, to: 'EUR' } }
  const report = await check(line({ conversations: [human('5 USD?'), fnCall(JSON.stringify(call)), { from: 'observation', value: '{"r": 4.6}' }, gpt('4.6 EUR')], tools: TOOLS }))
  t.same(issues(report), [])
  t.equal(report.stats.tool_calls, 1)
  const count = (s: string) => enc.encode_ordinary(s).length
  t.equal(report.stats.tokens, count('5 USD?') + count('convert') + count('{"amount":5,"to":"EUR"}') + count('{"r": 4.6}') + count('4.6 EUR'),
    'arguments given as an object count as their compact JSON text')
  t.equal(report.stats.assistant_tokens, count('convert') + count('{"amount":5,"to":"EUR"}') + count('4.6 EUR'))
  const asText = await check(line({ conversations: [human('5 USD?'), fnCall(JSON.stringify({ name: 'convert', arguments: '{"amount": 5}' })), { from: 'observation', value: '1' }, gpt('ok')] }))
  t.equal(asText.stats.tokens, count('5 USD?') + count('convert') + count('{"amount": 5}') + count('1') + count('ok'), 'arguments given as text are used as written')
  enc.free()
  for (const value of ['not json', '[1]', '{"arguments": {}}', '{"name": "", "arguments": {}}', '{"name": "f"}', '{"name": "f", "arguments": 3}']) {
    t.same(await found({ conversations: [human(), fnCall(value), gpt()] }), [['invalid_tool_call', 'conversations[1].value']], value)
  }
  t.same(await found({ conversations: [human(), fnCall('{"name": "other", "arguments": {}}'), { from: 'observation', value: '1' }, gpt()], tools: TOOLS }),
    [['undeclared_tool', 'conversations[1].value']])
  for (const tools of ['not json', '{"name": "x"}', '[{"description": "no name"}]', '[3]', 42, [{ name: 'x' }]]) {
    t.same(await found({ conversations: [human(), gpt()], tools }), [['invalid_tools', 'tools']], JSON.stringify(tools))
  }
  t.same(await found({ conversations: [human(), gpt()], tools: '' }), [], '"" is no tools (LLaMA-Factory writes it)')
})

t.test('conversation-level warnings point at conversations', async t => {
  const report = await check(line({ conversations: [human('one two three')] }) + line({ conversations: [human('one two three')] }), { contextLimit: 2 })
  t.same(issues(report), [
    [1, 'no_assistant_turn', 'conversations'], [1, 'too_many_tokens', 'conversations'],
    [2, 'no_assistant_turn', 'conversations'], [2, 'duplicate_conversation', 'conversations'], [2, 'too_many_tokens', 'conversations']
  ])
})

t.test('the system field: a system turn first', async t => {
  const report = await check(line({ system: 'Be brief.', conversations: [human(), gpt()] }))
  t.same(issues(report), [])
  t.same(report.stats.role_counts, { system: 1, user: 1, assistant: 1, tool: 0 })
  t.same(await found({ system: '', conversations: [human(), gpt()] }), [], 'an empty system is no system turn')
  t.same(await found({ system: 3, conversations: [human(), gpt()] }), [['invalid_field', 'system']])
  t.same(await found({ system: 'S', conversations: [{ from: 'system', value: 'S2' }, human(), gpt()] }),
    [['consecutive_roles', 'conversations[0]'], ['system_not_first', 'conversations[0]']], 'a system turn after the system field')
  t.same(await found({ id: false, system: ['x'], conversations: [{ from: 'bot', value: 'x' }, gpt()], tools: 'x' }),
    [['invalid_conversation_id', 'id'], ['unknown_role', 'conversations[0].from'], ['invalid_field', 'system'], ['invalid_tools', 'tools']], 'path order: id, conversations, system, tools')
})
