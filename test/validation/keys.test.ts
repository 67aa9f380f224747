// Strings from the data that name properties every object has are just strings (dataset-format.md,
// "Keys are looked up as the record's own keys only").
import t from 'tap'
import fc from 'fast-check'
import { isIssueCode, isTokenizerName, severityOf } from '../../src/validation/index.js'
import { check, issues, record, turn } from './support.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)

/** Names of built-in object properties, and a few more that are properties of functions and arrays. */
const BUILT_IN = [...new Set([
  ...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'prototype', 'constructor',
  ...Object.getOwnPropertyNames(Function.prototype), ...Object.getOwnPropertyNames(Array.prototype)
])]
const builtIn = fc.constantFrom(...BUILT_IN)

t.test('roles that name object properties are unknown_role', async t => {
  await fc.assert(fc.asyncProperty(builtIn, async role => {
    const report = await check(record('a', [turn(role, 'x'), turn('assistant', 'y')]) + '\n')
    t.same(issues(report), [[1, 'unknown_role', 'turns[0].role']], role)
    t.equal(report.stats.conversations, 0, `${role}: not counted`)
  }), { numRuns: Math.min(RUNS, BUILT_IN.length * 2) })
  // Every one of them, not only those fast-check drew.
  const lines = BUILT_IN.map((role, i) => record(`r${i}`, [turn(role, 'x'), turn('assistant', 'y')]))
  const report = await check(lines.join('\n') + '\n')
  t.equal(report.counts.unknown_role, BUILT_IN.length, `all ${BUILT_IN.length} roles refused`)
  t.equal(report.stats.conversations, 0)
})

t.test('keys that name object properties are not the record\'s keys', async t => {
  const turns = [turn('user', 'q'), turn('assistant', 'a')]
  for (const key of ['__proto__', 'constructor', 'prototype', 'toString']) {
    const nested = await check(`{${JSON.stringify(key)}: ${JSON.stringify({ conversation_id: 'x', turns })}}\n`)
    t.same(issues(nested), [[1, 'missing_conversation_id', 'conversation_id'], [1, 'missing_turns', 'turns']], `turns under ${key}`)
  }
  const inTurn = await check(`{"conversation_id":"x","turns":[{"__proto__":{"role":"user","content":"q"}},{"role":"assistant","content":"a"}]}\n`)
  t.same(issues(inTurn), [[1, 'missing_role', 'turns[0].role'], [1, 'missing_content', 'turns[0].content']], 'role and content under __proto__ are not the turn\'s')
  await fc.assert(fc.asyncProperty(builtIn, fc.jsonValue(), async (key, value) => {
    const line = `{"conversation_id":"k",${JSON.stringify(key)}:${JSON.stringify(value)},"turns":${JSON.stringify(turns)}}\n`
    const report = await check(line)
    t.equal(report.outcome, 'ready', `an extra key ${key} is ignored`)
  }), { numRuns: RUNS })
})

t.test('tokenizer names and issue codes that name object properties are refused', async t => {
  fc.assert(fc.property(builtIn, name => {
    t.equal(isTokenizerName(name), false, `tokenizer ${name}`)
    t.equal(isIssueCode(name), false, `code ${name}`)
    t.equal(severityOf(name), undefined)
  }), { numRuns: Math.min(RUNS, BUILT_IN.length * 2) })
  t.equal(isTokenizerName('o200k_base'), true)
  t.equal(severityOf('invalid_json'), 'error')
})

t.test('every format: roles, from values and tool names that name object properties', async t => {
  await fc.assert(fc.asyncProperty(builtIn, async name => {
    const openai = await check(JSON.stringify({ messages: [{ role: name, content: 'x' }, { role: 'assistant', content: 'y' }] }) + '\n')
    t.same(issues(openai), [[1, 'unknown_role', 'messages[0].role']], `openai role ${name}`)
    const sharegpt = await check(JSON.stringify({ conversations: [{ from: name, value: 'x' }, { from: 'gpt', value: 'y' }] }) + '\n')
    t.same(issues(sharegpt), [[1, 'unknown_role', 'conversations[0].from']], `sharegpt from ${name}`)
    // A call of a tool named like a property is checked against the declared names, not an object's properties.
    const tools = [{ type: 'function', function: { name: 'get_weather' } }]
    const call = { id: 'c', type: 'function', function: { name, arguments: '{}' } }
    const undeclared = await check(JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'c', content: '1' }, { role: 'assistant', content: 'a' }], tools }) + '\n')
    t.same(issues(undeclared), [[1, 'undeclared_tool', 'messages[1].tool_calls[0]']], `tool ${name} is not declared`)
    const declared = await check(JSON.stringify({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'c', content: '1' }, { role: 'assistant', content: 'a' }], tools: [{ type: 'function', function: { name } }] }) + '\n')
    t.same(issues(declared), [], `tool ${name} declared`)
    const shareCall = await check(JSON.stringify({ conversations: [{ from: 'human', value: 'q' }, { from: 'function_call', value: JSON.stringify({ name, arguments: {} }) }, { from: 'observation', value: '1' }, { from: 'gpt', value: 'a' }], tools: JSON.stringify([{ name: 'other' }]) }) + '\n')
    t.same(issues(shareCall), [[1, 'undeclared_tool', 'conversations[1].value']], `sharegpt tool ${name}`)
  }), { numRuns: Math.min(RUNS, BUILT_IN.length * 2) })
  for (const key of ['messages', 'conversations', 'instruction', 'text']) {
    const nested = await check(`{"__proto__": {${JSON.stringify(key)}: "x"}, "prompt": "p"}\n`)
    t.equal(nested.stats.format, 'native', `${key} under __proto__ recognises nothing`)
  }
})
