import t from 'tap'
import { get_encoding } from 'tiktoken'
import { check, issues } from '../support.js'

const line = (record: unknown) => JSON.stringify(record) + '\n'
const user = (content: unknown = 'Hi') => ({ role: 'user', content })
const assistant = (content: unknown = 'Hello!', extra: Record<string, unknown> = {}) => ({ role: 'assistant', content, ...extra })
const call = (id: string, name = 'get_weather', args = '{"city":"Paris"}') => ({ id, type: 'function', function: { name, arguments: args } })
const TOOLS = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }]

/** [code, path] of each issue on line 1. */
async function found (record: unknown): Promise<Array<[string, string]>> {
  return issues(await check(line(record))).map(([, code, path]) => [code as string, path as string])
}

t.test('messages: missing, not an array, empty; ids are optional', async t => {
  const missing = await check(line({ messages: [user(), assistant()] }) + line({ conversation_id: 'x' }))
  t.same(issues(missing), [[2, 'missing_turns', 'messages']], 'a record without messages in an openai file')
  t.same(await found({ messages: null }), [['invalid_turns', 'messages']])
  t.same(await found({ messages: {} }), [['invalid_turns', 'messages']])
  t.same(await found({ messages: [] }), [['invalid_turns', 'messages']])
  t.same(await found({ messages: [user(), assistant()] }), [], 'no conversation_id needed')
  t.same(await found({ id: '', messages: [user(), assistant()] }), [['invalid_conversation_id', 'id']], 'id follows the v1 rules')
  t.same(await found({ conversation_id: null, id: 1.5, messages: [user(), assistant()] }), [['invalid_conversation_id', 'id']], 'a null conversation_id gives way to id')
  const dup = await check([{ id: 7, messages: [user('a'), assistant()] }, { conversation_id: 7, messages: [user('b'), assistant()] }, { id: '7', messages: [user('c'), assistant()] }].map(line).join(''))
  t.same(issues(dup), [[2, 'duplicate_conversation_id', 'conversation_id']], 'the key used names the path; 7 and "7" differ')
  t.match(dup.warnings[0].message, /^conversation_id 7 already appeared on line 1/)
})

t.test('roles: developer is system, function is tool, anything else is unknown', async t => {
  t.same(await found({ messages: [{ role: 'developer', content: 'Be brief.' }, user(), assistant()] }), [])
  t.same(await found({ messages: [{ content: 'x' }, assistant()] }), [['missing_role', 'messages[0].role']])
  t.same(await found({ messages: [{ role: 7, content: 'x' }, assistant()] }), [['missing_role', 'messages[0].role']])
  t.same(await found({ messages: [{ role: 'bot', content: 'x' }, assistant()] }), [['unknown_role', 'messages[0].role']])
  t.same(await found({ messages: [7, assistant()] }), [['invalid_turn', 'messages[0]']])
  const report = await check(line({ messages: [{ role: 'developer', content: 'a' }, user(), assistant(), { role: 'function', name: 'f', content: '{}' }] }))
  t.same(report.stats.role_counts, { system: 1, user: 1, assistant: 1, tool: 1 })
})

t.test('content: strings, text parts joined, other parts unsupported', async t => {
  const enc = get_encoding('o200k_base')
  const parts = await check(line({ messages: [user([{ type: 'text', text: 'Hello ' }, { type: 'text', text: 'there' }]), assistant()] }))
  t.equal(parts.outcome, 'ready')
  t.equal(parts.stats.tokens, enc.encode_ordinary('Hello there').length + enc.encode_ordinary('Hello!').length, 'parts joined with no separator')
  enc.free()
  t.same(await found({ messages: [user([{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'x' } }]), assistant()] }), [['unsupported_content', 'messages[0].content[1]']])
  t.same(await found({ messages: [user([{ type: 'input_audio' }, 'x', { type: 'text' }]), assistant()] }),
    [['unsupported_content', 'messages[0].content[0]'], ['unsupported_content', 'messages[0].content[1]'], ['unsupported_content', 'messages[0].content[2]']])
  t.same(await found({ messages: [user([]), assistant()] }), [['empty_content', 'messages[0].content']], 'no parts: empty')
  t.same(await found({ messages: [user(' '), assistant()] }), [['empty_content', 'messages[0].content']])
  t.same(await found({ messages: [user(null), assistant()] }), [['missing_content', 'messages[0].content']])
  t.same(await found({ messages: [{ role: 'user' }, assistant()] }), [['missing_content', 'messages[0].content']])
  t.same(await found({ messages: [user(5), assistant()] }), [['missing_content', 'messages[0].content']])
  t.same(await found({ messages: [user(), assistant(null)] }), [['missing_content', 'messages[1].content']], 'only a message with tool calls may have no content')
  t.same(await found({ messages: [user('x <|endoftext|>'), assistant()] }), [['special_token_in_content', 'messages[0].content']])
})

t.test('tool calls: the full shape, one issue per call', async t => {
  const ok = { messages: [user(), assistant(null, { tool_calls: [call('c1'), call('c2')] }), { role: 'tool', tool_call_id: 'c1', content: '1' }, { role: 'tool', tool_call_id: 'c2', content: '2' }, assistant('Done')], tools: TOOLS }
  const report = await check(line(ok))
  t.same(issues(report), [], 'parallel calls and consecutive tool results are fine')
  t.equal(report.stats.tool_calls, 2)
  t.same(await found({ messages: [user(), assistant('', { tool_calls: [call('c1')] }), { role: 'tool', tool_call_id: 'c1', content: '1' }, assistant()] }), [], 'content "" with tool calls is no empty_content')
  const bad = [
    7,
    { type: 'function', function: { name: 'f', arguments: '{}' } },
    { id: '', type: 'function', function: { name: 'f', arguments: '{}' } },
    { id: 'a', type: 'code', function: { name: 'f', arguments: '{}' } },
    { id: 'a', type: 'function' },
    { id: 'a', type: 'function', function: { name: '', arguments: '{}' } },
    { id: 'a', type: 'function', function: { name: 'f', arguments: { city: 'x' } } },
    { id: 'a', type: 'function', function: { name: 'f', arguments: '{"city": ' } }
  ]
  const report2 = await check(line({ messages: [user(), assistant(null, { tool_calls: bad })] }))
  t.same(issues(report2).map(([, code, path]) => [code, path]), bad.map((_, j) => ['invalid_tool_call', `messages[1].tool_calls[${j}]`]))
  const messages = report2.errors.map(e => e.message)
  t.match(messages[0], /must be an object; it is the number 7/)
  t.match(messages[1], /has no "id"/)
  t.match(messages[3], /"type" must be "function"/)
  t.match(messages[4], /has no "function"/)
  t.match(messages[5], /"function.name" must be a non-empty string/)
  t.match(messages[6], /"function.arguments" must be a string holding JSON; it is an object/)
  t.match(messages[7], /"function.arguments" is not valid JSON/)
  t.same(await found({ messages: [user(), assistant('x', { tool_calls: {} })] }), [['invalid_tool_call', 'messages[1].tool_calls']], 'not an array')
  t.same(await found({ messages: [user('x', ), { role: 'user', content: 'y', tool_calls: [call('c')] }, assistant()] }).then(list => list.filter(([code]) => code !== 'consecutive_roles')), [['invalid_tool_call', 'messages[1].tool_calls']], 'on another role')
  t.same(await found({ messages: [user(), assistant('x', { tool_calls: null })] }), [], 'null is none')
})

t.test('tool_call_id names a call of an earlier assistant message', async t => {
  t.same(await found({ messages: [user(), { role: 'tool', tool_call_id: 'c1', content: '1' }, assistant()] }), [['unknown_tool_call_id', 'messages[1].tool_call_id']], 'no call before it')
  t.same(await found({ messages: [user(), assistant(null, { tool_calls: [call('c1')] }), { role: 'tool', content: '1' }, assistant()] }), [['unknown_tool_call_id', 'messages[2].tool_call_id']], 'none given')
  t.same(await found({ messages: [user(), assistant(null, { tool_calls: [call('c1')] }), { role: 'tool', tool_call_id: 'c2', content: '1' }, assistant()] }), [['unknown_tool_call_id', 'messages[2].tool_call_id']], 'another id')
  t.same(await found({ messages: [user(), assistant(null, { function_call: { name: 'f', arguments: '{}' } }), { role: 'function', name: 'f', content: '1' }, assistant()] }), [], 'legacy function_call: its function answer needs no id')
  t.same(await found({ messages: [user(), assistant(null, { function_call: { name: 'f', arguments: 'nope' } })] }), [['invalid_tool_call', 'messages[1].function_call']])
})

t.test('tools: declarations, and calls of tools not declared', async t => {
  t.same(await found({ messages: [user(), assistant(null, { tool_calls: [call('c1', 'get_time')] }), { role: 'tool', tool_call_id: 'c1', content: '1' }, assistant()], tools: TOOLS }),
    [['undeclared_tool', 'messages[1].tool_calls[0]']])
  t.same(await found({ messages: [user(), assistant(null, { tool_calls: [call('c1', 'get_time')] }), { role: 'tool', tool_call_id: 'c1', content: '1' }, assistant()] }), [], 'no tools declared: no warning')
  for (const tools of ['get_weather', [{ name: 'get_weather' }], [{ type: 'function', function: {} }], [{ type: 'function', function: { name: 3 } }], {}]) {
    t.same(await found({ messages: [user(), assistant()], tools }), [['invalid_tools', 'tools']], JSON.stringify(tools))
  }
  t.same(await found({ messages: [user(), assistant()], tools: [] }), [], 'an empty list declares nothing')
})

t.test('weight: 0 or 1 as written; weight-0 turns are context', async t => {
  const enc = get_encoding('o200k_base')
  const report = await check(line({ messages: [user('Q'), assistant('draft', { weight: 0 }), user('again'), assistant('final answer', { weight: 1 })] }))
  t.same(issues(report), [])
  t.equal(report.stats.assistant_tokens, enc.encode_ordinary('final answer').length, 'weight 0 is not trained')
  t.equal(report.stats.training_pairs, 1)
  t.equal(report.stats.tokens, ['Q', 'draft', 'again', 'final answer'].reduce((n, s) => n + enc.encode_ordinary(s).length, 0), 'but counted in tokens')
  enc.free()
  for (const weight of ['1.0', '1e0', '0.0', 'true', '"1"', '2', '-0', '0.5']) {
    const text = `{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A","weight":${weight}}]}\n`
    t.same(issues(await check(text)), [[1, 'invalid_weight', 'messages[1].weight']], `weight ${weight}`)
  }
  t.same(issues(await check('{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A","weight":0}],"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A","weight":1.0}]}\n')),
    [[1, 'invalid_weight', 'messages[1].weight']], 'the last of duplicate keys is read, as JSON.parse does')
  t.same(issues(await check('{"messages":[{"role":"user","content":"the \\"weight\\": 1.0 text"},{"role":"assistant","content":"A","weight":1, "meta": {"weight": 1.0}}]}\n')), [],
    'a weight inside a string or a nested object is not the message\'s')
  t.same(await found({ messages: [user(), assistant('A', { weight: null })] }), [], 'null means 1')
  t.same(await found({ messages: [{ role: 'user', content: 'Q', weight: 1 }, assistant()] }), [['weight_ignored', 'messages[0].weight']])
  t.same(await found({ messages: [{ role: 'system', content: 'S', weight: 0 }, user(), assistant()] }), [], 'weight 0 on another role is fine')
  const none = await check(line({ messages: [user(), assistant('A', { weight: 0 })] }))
  t.same(issues(none), [[1, 'no_assistant_turn', 'messages']])
  t.match(none.warnings[0].message, /no trained assistant turn/)
})

t.test('reasoning_content stays with its turn and is counted', async t => {
  const enc = get_encoding('o200k_base')
  const report = await check(line({ messages: [user('Q'), assistant('A', { reasoning_content: 'think first' })] }))
  t.equal(report.stats.assistant_tokens, enc.encode_ordinary('A').length + enc.encode_ordinary('think first').length)
  enc.free()
  t.same(await found({ messages: [user(), assistant('A', { reasoning_content: 5 })] }), [['invalid_field', 'messages[1].reasoning_content']])
  t.same(await found({ messages: [user(), assistant('A', { reasoning_content: '<|endoftext|>' })] }), [['special_token_in_content', 'messages[1].reasoning_content']])
})

t.test('issues come in path order, then the conversation-level warnings', async t => {
  const record = {
    id: true,
    messages: [{ role: 'bot', content: 'x' }, assistant(null, { tool_calls: [{ id: 'c' }] }), { role: 'tool', content: 5, tool_call_id: 'zz' }],
    tools: 'nope'
  }
  t.same(await found(record), [
    ['invalid_conversation_id', 'id'],
    ['unknown_role', 'messages[0].role'],
    ['invalid_tool_call', 'messages[1].tool_calls[0]'],
    ['missing_content', 'messages[2].content'],
    ['unknown_tool_call_id', 'messages[2].tool_call_id'],
    ['invalid_tools', 'tools']
  ])
  t.same(await found({ messages: [user('a'), user('b'), { role: 'system', content: 's' }, assistant('x'), assistant('y')] }), [
    ['consecutive_roles', 'messages[1]'], ['consecutive_roles', 'messages[4]'], ['system_not_first', 'messages[2]']
  ])
})
